/// A complete D-Bus type, as written in a type signature.
///
/// Values carry their type explicitly (`DBusValue.array(elementType, ...)`) because an empty array still
/// has to be marshalled with its element signature, e.g. an empty `a{sv}` options dictionary.
public indirect enum DBusType: Hashable, Sendable, CustomStringConvertible {
    case byte
    case boolean
    case int16
    case uint16
    case int32
    case uint32
    case int64
    case uint64
    case double
    case string
    case objectPath
    case signature
    case unixFD
    case variant
    case array(DBusType)
    case dictionary(key: DBusType, value: DBusType)
    case structure([DBusType])

    /// The signature text of this single complete type, e.g. `a{sv}`.
    public var signature: String {
        switch self {
        case .byte: "y"
        case .boolean: "b"
        case .int16: "n"
        case .uint16: "q"
        case .int32: "i"
        case .uint32: "u"
        case .int64: "x"
        case .uint64: "t"
        case .double: "d"
        case .string: "s"
        case .objectPath: "o"
        case .signature: "g"
        case .unixFD: "h"
        case .variant: "v"
        case .array(let element): "a" + element.signature
        case .dictionary(let key, let value): "a{" + key.signature + value.signature + "}"
        case .structure(let fields): "(" + fields.map(\.signature).joined() + ")"
        }
    }

    public var description: String { signature }

    /// Basic types are the only ones allowed as dictionary keys.
    public var isBasic: Bool {
        switch self {
        case .variant, .array, .dictionary, .structure: false
        default: true
        }
    }

    /// Fixed-size types, whose arrays libdbus handles as blocks (and does not walk element by element).
    public var isFixed: Bool {
        switch self {
        case .byte, .boolean, .int16, .uint16, .int32, .uint32, .int64, .uint64, .double, .unixFD: true
        default: false
        }
    }

    /// `a{sv}`, the property/options dictionary used all over BlueZ.
    public static let variantDictionary = DBusType.dictionary(key: .string, value: .variant)

    /// Parses a signature holding exactly one complete type.
    public init(signature: String) throws(DBusError) {
        let types = try DBusType.parse(signature: signature)
        guard types.count == 1, let only = types.first else {
            throw .invalidValue("signature '\(signature)' must hold exactly one complete type")
        }
        self = only
    }

    /// Parses a signature holding zero or more complete types (a message body signature).
    public static func parse(signature: String) throws(DBusError) -> [DBusType] {
        let bytes = Array(signature.utf8)
        guard bytes.count <= 255 else { throw .invalidValue("signature longer than 255 bytes") }
        var parser = SignatureParser(bytes: bytes, text: signature)
        var types: [DBusType] = []
        while !parser.atEnd {
            types.append(try parser.parseComplete(arrayDepth: 0, structDepth: 0))
        }
        return types
    }

    /// The signature of a sequence of types, e.g. a method's argument list.
    public static func signature(of types: [DBusType]) -> String {
        types.map(\.signature).joined()
    }
}

/// Recursive-descent parser for D-Bus signatures, enforcing the nesting limits of the specification
/// (32 levels of arrays and 32 of structures) so that hostile signatures are rejected, not recursed on.
private struct SignatureParser {
    let bytes: [UInt8]
    let text: String
    var index = 0

    var atEnd: Bool { index >= bytes.count }

    init(bytes: [UInt8], text: String) {
        self.bytes = bytes
        self.text = text
    }

    private func failure(_ reason: String) -> DBusError {
        .invalidValue("invalid signature '\(text)': \(reason)")
    }

    mutating func parseComplete(arrayDepth: Int, structDepth: Int) throws(DBusError) -> DBusType {
        guard index < bytes.count else { throw failure("incomplete type") }
        let code = bytes[index]
        index += 1
        if let basic = DBusType.basicOrVariant(code: code) { return basic }
        switch code {
        case UInt8(ascii: "a"):
            guard arrayDepth < 32 else { throw failure("arrays nested deeper than 32") }
            if index < bytes.count, bytes[index] == UInt8(ascii: "{") {
                index += 1
                let key = try parseComplete(arrayDepth: arrayDepth + 1, structDepth: structDepth)
                guard key.isBasic else { throw failure("dictionary key must be a basic type") }
                let value = try parseComplete(arrayDepth: arrayDepth + 1, structDepth: structDepth)
                guard index < bytes.count, bytes[index] == UInt8(ascii: "}") else {
                    throw failure("dictionary entry must hold exactly a key and a value")
                }
                index += 1
                return .dictionary(key: key, value: value)
            }
            return .array(try parseComplete(arrayDepth: arrayDepth + 1, structDepth: structDepth))
        case UInt8(ascii: "("):
            guard structDepth < 32 else { throw failure("structures nested deeper than 32") }
            var fields: [DBusType] = []
            while index < bytes.count, bytes[index] != UInt8(ascii: ")") {
                fields.append(try parseComplete(arrayDepth: arrayDepth, structDepth: structDepth + 1))
            }
            guard index < bytes.count else { throw failure("unterminated structure") }
            guard !fields.isEmpty else { throw failure("empty structure") }
            index += 1
            return .structure(fields)
        default:
            throw failure("unexpected type code '\(Character(Unicode.Scalar(code)))'")
        }
    }
}

extension DBusType {
    /// The type for a single-character type code, for the basic types and variant.
    static func basicOrVariant(code: UInt8) -> DBusType? {
        switch code {
        case UInt8(ascii: "y"): .byte
        case UInt8(ascii: "b"): .boolean
        case UInt8(ascii: "n"): .int16
        case UInt8(ascii: "q"): .uint16
        case UInt8(ascii: "i"): .int32
        case UInt8(ascii: "u"): .uint32
        case UInt8(ascii: "x"): .int64
        case UInt8(ascii: "t"): .uint64
        case UInt8(ascii: "d"): .double
        case UInt8(ascii: "s"): .string
        case UInt8(ascii: "o"): .objectPath
        case UInt8(ascii: "g"): .signature
        case UInt8(ascii: "h"): .unixFD
        case UInt8(ascii: "v"): .variant
        default: nil
        }
    }
}
