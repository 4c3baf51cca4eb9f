/// The stable identifier of a stored measurement: a UUID-formatted SHA-256 digest of what the device said
/// (see `ReadingIdentity`). The same value is the FHIR Observation.identifier, so it must never change for
/// a stored reading.
public struct ReadingID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: ReadingID, rhs: ReadingID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What `ingest` did. Either way the reading is durably in the store when this is returned, so the gateway
/// may acknowledge the device.
public enum IngestOutcome: Sendable, Hashable {
    /// A new measurement, committed and queued for forwarding.
    case stored(ReadingID)
    /// The device re-sent a measurement already stored (RACP re-read, cuff memory); nothing was written.
    case duplicate(ReadingID)

    public var readingID: ReadingID {
        switch self {
        case let .stored(id), let .duplicate(id): return id
        }
    }

    public var isDuplicate: Bool {
        if case .duplicate = self { return true }
        return false
    }
}
