/// A bounds-checked little-endian cursor over a GATT payload.
///
/// Bluetooth SIG characteristics are little-endian, packed and flag-driven; every read names the field it
/// is reading so that a short payload produces a `DecodeError.truncated` that says exactly where it ended.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public let characteristic: String
    public private(set) var offset: Int = 0

    public init<Bytes: Collection>(_ bytes: Bytes, characteristic: String) where Bytes.Element == UInt8 {
        self.bytes = Array(bytes)
        self.characteristic = characteristic
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    private mutating func take(_ count: Int, _ field: String) throws(DecodeError) -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw .truncated(characteristic: characteristic, field: field, needed: count, available: remaining)
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// Reads an unsigned little-endian integer of `width` bytes (1...8).
    private mutating func unsigned(_ width: Int, _ field: String) throws(DecodeError) -> UInt64 {
        let slice = try take(width, field)
        var value: UInt64 = 0
        for (shift, byte) in slice.enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
        return value
    }

    public mutating func uint8(_ field: String) throws(DecodeError) -> UInt8 { UInt8(try unsigned(1, field)) }
    public mutating func uint16(_ field: String) throws(DecodeError) -> UInt16 { UInt16(try unsigned(2, field)) }
    public mutating func uint24(_ field: String) throws(DecodeError) -> UInt32 { UInt32(try unsigned(3, field)) }
    public mutating func uint32(_ field: String) throws(DecodeError) -> UInt32 { UInt32(try unsigned(4, field)) }
    public mutating func uint48(_ field: String) throws(DecodeError) -> UInt64 { try unsigned(6, field) }
    public mutating func uint64(_ field: String) throws(DecodeError) -> UInt64 { try unsigned(8, field) }
    public mutating func int8(_ field: String) throws(DecodeError) -> Int8 { Int8(bitPattern: try uint8(field)) }
    public mutating func int16(_ field: String) throws(DecodeError) -> Int16 { Int16(bitPattern: try uint16(field)) }

    public mutating func sfloat(_ field: String) throws(DecodeError) -> MedicalFloat {
        MedicalFloat(sfloatBits: try uint16(field))
    }

    public mutating func float(_ field: String) throws(DecodeError) -> MedicalFloat {
        MedicalFloat(floatBits: try uint32(field))
    }

    public mutating func bytes(_ count: Int, _ field: String) throws(DecodeError) -> [UInt8] {
        Array(try take(count, field))
    }

    public mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// Fails with `trailingBytes` if anything is left: over-long payloads are rejected, not silently truncated,
    /// because a frame longer than its flags announce means the flags (and so every field) are misread.
    public func expectEnd() throws(DecodeError) {
        guard remaining == 0 else { throw .trailingBytes(characteristic: characteristic, count: remaining) }
    }

    /// Fails if any bit outside `allowed` is set in `flags` (the bit field called `field` by the specification).
    /// Reserved bits are rejected because a device setting them speaks a newer layout we would misread.
    public func checkReserved(_ flags: UInt32, allowed: UInt32, field: String = "Flags") throws(DecodeError) {
        let reserved = flags & ~allowed
        guard reserved == 0 else { throw .reservedFlags(characteristic: characteristic, field: field, bits: reserved) }
    }

    /// Fails with `invalidValue` naming `field`; for enumerations whose reserved values carry no meaning.
    public func invalid(_ field: String, _ detail: String) -> DecodeError {
        .invalidValue(characteristic: characteristic, field: field, detail: detail)
    }
}
