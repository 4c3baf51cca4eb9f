/// Why a measured value is missing. The raw values are the FHIR `data-absent-reason` codes.
public enum AbsentReason: String, Sendable, Hashable, Codable {
    case notANumber = "not-a-number"
    case error = "error"
    case positiveInfinity = "positive-infinity"
    case negativeInfinity = "negative-infinity"
    /// The device reported the measurement as unsuccessful (e.g. weight 0xFFFF).
    case unsuccessful = "unknown"
}

/// A value as the device reported it: a number, or the reason there is none.
public enum MeasuredValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(DecimalNumber)
    case absent(AbsentReason)

    public init(_ float: MedicalFloat) {
        if let number = float.number { self = .number(number) } else { self = .absent(float.absentReason ?? .error) }
    }

    public var number: DecimalNumber? {
        if case let .number(value) = self { return value }
        return nil
    }

    public var description: String {
        switch self {
        case let .number(value): return value.description
        case let .absent(reason): return "absent(\(reason.rawValue))"
        }
    }
}
