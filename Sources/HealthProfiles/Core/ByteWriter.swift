/// A little-endian byte builder for GATT payloads, the mirror of `ByteReader`.
///
/// Used by the encoders (the BlueZ simulator builds device frames from typed values, and the tests and
/// the fuzzer check that `decode(encode(x)) == x`). Every value that might not fit its wire field goes
/// through a throwing method naming the field, so an impossible value is an `EncodeError`, never a trap.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    public let characteristic: String

    public init(characteristic: String) {
        self.characteristic = characteristic
    }

    public mutating func uint8(_ value: UInt8) { bytes.append(value) }

    public mutating func uint16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    public mutating func uint24(_ value: UInt32, _ field: String) throws(EncodeError) {
        guard value <= 0xFF_FFFF else { throw .outOfRange(characteristic: characteristic, field: field, value: "\(value)") }
        for shift in [0, 8, 16] as [UInt32] { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    public mutating func uint32(_ value: UInt32) {
        for shift in [0, 8, 16, 24] as [UInt32] { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    public mutating func int16(_ value: Int16) { uint16(UInt16(bitPattern: value)) }

    public mutating func append(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    /// Writes an integer field after checking it fits `UInt16`.
    public mutating func uint16(_ value: Int, _ field: String) throws(EncodeError) {
        guard let narrow = UInt16(exactly: value) else {
            throw .outOfRange(characteristic: characteristic, field: field, value: "\(value)")
        }
        uint16(narrow)
    }

    public mutating func sfloat(_ value: MedicalFloat, _ field: String) throws(EncodeError) {
        guard let bits = value.sfloatBits else {
            throw .notRepresentable(characteristic: characteristic, field: field, value: value.description, format: "SFLOAT")
        }
        uint16(bits)
    }

    public mutating func float(_ value: MedicalFloat, _ field: String) throws(EncodeError) {
        guard let bits = value.floatBits else {
            throw .notRepresentable(characteristic: characteristic, field: field, value: value.description, format: "FLOAT")
        }
        uint32(bits)
    }
}

/// Why a typed value could not be written to its wire format.
public enum EncodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An integer (or date part) does not fit the field's width or range.
    case outOfRange(characteristic: String, field: String, value: String)
    /// A number needs more mantissa digits or a larger exponent than SFLOAT/FLOAT offer.
    case notRepresentable(characteristic: String, field: String, value: String, format: String)
    /// The combination of values cannot be expressed (e.g. a unit the characteristic has no flag for).
    case inconsistent(characteristic: String, detail: String)

    public var description: String {
        switch self {
        case let .outOfRange(characteristic, field, value):
            return "\(characteristic): \(field) = \(value) does not fit its field"
        case let .notRepresentable(characteristic, field, value, format):
            return "\(characteristic): \(field) = \(value) cannot be represented as \(format)"
        case let .inconsistent(characteristic, detail):
            return "\(characteristic): \(detail)"
        }
    }
}
