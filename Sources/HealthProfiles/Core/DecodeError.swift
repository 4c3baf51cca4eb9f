/// Why a GATT payload could not be decoded.
///
/// Every decoder in this module reports failure through this one typed error so that callers
/// (the daemon, the CLI, the fuzzer) can log a precise reason without ever trapping on device input.
public enum DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The payload ended before `field` could be read.
    case truncated(characteristic: String, field: String, needed: Int, available: Int)
    /// Bytes remain after every field announced by the flags was read.
    case trailingBytes(characteristic: String, count: Int)
    /// Bits that the specification reserves for future use were set in a flags / status / feature `field`.
    case reservedFlags(characteristic: String, field: String, bits: UInt32)
    /// A date or time field holds a value outside its specified range (Feb 30, hour 24...).
    case invalidDate(characteristic: String, field: String, value: Int)
    /// A field holds a value outside its specified range (reserved enumeration value, impossible length...).
    case invalidValue(characteristic: String, field: String, detail: String)
    /// The characteristic is not one this gateway understands.
    case unsupportedCharacteristic(uuid: String)

    public var description: String {
        switch self {
        case let .truncated(characteristic, field, needed, available):
            return "\(characteristic): payload truncated at \(field) (needs \(needed) more byte(s), \(available) left)"
        case let .trailingBytes(characteristic, count):
            return "\(characteristic): \(count) unexpected trailing byte(s)"
        case let .reservedFlags(characteristic, field, bits):
            return "\(characteristic): reserved bits set in \(field) (0x\(String(bits, radix: 16, uppercase: true)))"
        case let .invalidDate(characteristic, field, value):
            return "\(characteristic): invalid date/time: \(field) = \(value) is out of range"
        case let .invalidValue(characteristic, field, detail):
            return "\(characteristic): invalid \(field): \(detail)"
        case let .unsupportedCharacteristic(uuid):
            return "unsupported characteristic \(uuid)"
        }
    }
}
