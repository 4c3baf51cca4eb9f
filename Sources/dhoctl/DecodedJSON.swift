import Foundation
import HealthProfiles

/// JSON for `dhoctl decode --json`: the typed value plus the readings in a flat, readable shape
/// (numbers as exact decimal text, absent values with their reason).
enum DecodedJSON {
    struct Output: Encodable {
        let decoded: DecodedCharacteristic
        let readings: [ReadingView]

        private enum Key: String, CodingKey { case readings }

        func encode(to encoder: any Encoder) throws {
            try decoded.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(readings, forKey: .readings)
        }
    }

    struct ReadingView: Encodable {
        let kind: String
        let characteristic: String
        let deviceTime: String?
        let userID: UInt8?
        let sequenceNumber: UInt16?
        let components: [ComponentView]
        let flags: [String]
        let qualifiers: [String: String]
        let reliable: Bool
        let unreliabilityReasons: [String]

        init(_ reading: Reading) {
            kind = reading.kind.rawValue
            characteristic = "0x" + String(reading.characteristic, radix: 16, uppercase: true)
            deviceTime = reading.deviceTime?.description
            userID = reading.userID
            sequenceNumber = reading.sequenceNumber
            components = reading.components.map(ComponentView.init)
            flags = reading.flags.map(\.rawValue)
            qualifiers = reading.qualifiers
            reliable = reading.isReliable
            unreliabilityReasons = reading.unreliabilityReasons
        }
    }

    struct ComponentView: Encodable {
        let vital: String
        let value: String?
        let absentReason: String?
        /// "below" / "above": the meter's LO / HI.
        let beyondRange: String?
        let unit: String

        init(_ component: ReadingComponent) {
            vital = component.vital.rawValue
            value = component.value.number?.description
            if case let .absent(reason) = component.value { absentReason = reason.rawValue } else { absentReason = nil }
            if case let .beyondRange(side) = component.value { beyondRange = side.rawValue } else { beyondRange = nil }
            unit = component.unit.rawValue
        }
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func render(_ decoded: DecodedCharacteristic) throws -> String {
        let output = Output(decoded: decoded, readings: decoded.readings.map(ReadingView.init))
        return String(decoding: try encoder().encode(output), as: UTF8.self)
    }
}
