/// One D-Bus value with its exact type.
///
/// Containers carry their element types so that empty containers marshal with the right signature and so
/// that a value read off the bus can be re-sent unchanged.
///
/// Only `variant` is `indirect`: an indirect enum boxes every case's payload on the heap, which made each byte of a
/// characteristic's Value one allocation when a PropertiesChanged was read (containers already keep their
/// elements in an array's buffer; only a variant holds a value directly).
public enum DBusValue: Hashable, Sendable, CustomStringConvertible {
    case byte(UInt8)
    case boolean(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case string(String)
    case objectPath(ObjectPath)
    /// A type signature value (`g`); the text is validated when marshalled.
    case signature(String)
    /// An array whose elements all have `elementType`.
    case array(DBusType, [DBusValue])
    /// An ordered dictionary (`a{kv}`); keys must be of the basic type `key`.
    case dictionary(key: DBusType, value: DBusType, [DBusDictEntry])
    case structure([DBusValue])
    indirect case variant(DBusValue)

    /// The exact type of this value.
    public var type: DBusType {
        switch self {
        case .byte: .byte
        case .boolean: .boolean
        case .int16: .int16
        case .uint16: .uint16
        case .int32: .int32
        case .uint32: .uint32
        case .int64: .int64
        case .uint64: .uint64
        case .double: .double
        case .string: .string
        case .objectPath: .objectPath
        case .signature: .signature
        case .array(let element, _): .array(element)
        case .dictionary(let key, let value, _): .dictionary(key: key, value: value)
        case .structure(let fields): .structure(fields.map(\.type))
        case .variant: .variant
        }
    }

    public var description: String {
        switch self {
        case .byte(let v): "byte \(v)"
        case .boolean(let v): "\(v)"
        case .int16(let v): "int16 \(v)"
        case .uint16(let v): "uint16 \(v)"
        case .int32(let v): "int32 \(v)"
        case .uint32(let v): "uint32 \(v)"
        case .int64(let v): "int64 \(v)"
        case .uint64(let v): "uint64 \(v)"
        case .double(let v): "double \(v)"
        case .string(let v): "\"\(v)\""
        case .objectPath(let v): "objpath \(v)"
        case .signature(let v): "signature \(v)"
        case .array(.byte, let items):
            "bytes [" + items.compactMap { $0.byteValue.map(hex) }.joined(separator: " ") + "]"
        case .array(_, let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dictionary(_, _, let entries):
            "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .structure(let fields): "(" + fields.map(\.description).joined(separator: ", ") + ")"
        case .variant(let inner): "<\(inner)>"
        }
    }

    /// Checks that every container holds what its declared type says, that every declared type is a valid
    /// D-Bus type (no empty structures, basic dictionary keys, nesting and signature length within the
    /// specification's limits), and that strings, paths and signatures are marshallable. libdbus aborts on such
    /// mistakes, so they are caught here instead.
    public func validate() throws(DBusError) {
        _ = try DBusType(signature: type.signature)  // element types of empty containers are checked here too
        try validate(depth: 0)
    }

    /// libdbus refuses messages whose values nest deeper than 64 containers (arrays, dictionary entries,
    /// structures and variants together), even when each signature is within its own limits.
    static let maximumNesting = 64

    private func validate(depth: Int) throws(DBusError) {
        switch self {
        case .string(let text):
            guard !text.utf8.contains(0) else { throw .invalidValue("string contains a NUL character") }
        case .signature(let text):
            _ = try DBusType.parse(signature: text)
        case .array(let element, let items):
            if !items.isEmpty, !element.isFixed { try DBusValue.checkNesting(depth + 1) }
            for item in items {
                guard item.type == element else {
                    throw .invalidValue("array of \(element) holds a \(item.type) element")
                }
                try item.validate(depth: depth + 1)
            }
        case .dictionary(let key, let value, let entries):
            guard key.isBasic else { throw .invalidValue("dictionary key type \(key) is not basic") }
            if !entries.isEmpty { try DBusValue.checkNesting(depth + 2) }
            for entry in entries {
                guard entry.key.type == key, entry.value.type == value else {
                    throw .invalidValue("dictionary a{\(key)\(value)} holds an entry of \(entry.key.type), \(entry.value.type)")
                }
                try entry.key.validate(depth: depth + 2)
                try entry.value.validate(depth: depth + 2)
            }
        case .structure(let fields):
            guard !fields.isEmpty else { throw .invalidValue("empty structure") }
            try DBusValue.checkNesting(depth + 1)
            for field in fields { try field.validate(depth: depth + 1) }
        case .variant(let inner):
            // The variant carries its content's signature, which must itself be a valid single type.
            _ = try DBusType(signature: inner.type.signature)
            try DBusValue.checkNesting(depth + 1)
            try inner.validate(depth: depth + 1)
        default:
            break
        }
    }

    private static func checkNesting(_ depth: Int) throws(DBusError) {
        guard depth <= maximumNesting else {
            throw .invalidValue("values nested deeper than \(maximumNesting) containers")
        }
    }
}

/// One entry of a D-Bus dictionary.
public struct DBusDictEntry: Hashable, Sendable {
    public var key: DBusValue
    public var value: DBusValue

    public init(key: DBusValue, value: DBusValue) {
        self.key = key
        self.value = value
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}

// MARK: - Building values

extension DBusValue {
    /// `ay` from raw bytes.
    public static func bytes(_ bytes: some Sequence<UInt8>) -> DBusValue {
        .array(.byte, bytes.map { .byte($0) })
    }

    /// `as` from strings.
    public static func strings(_ strings: some Sequence<String>) -> DBusValue {
        .array(.string, strings.map { .string($0) })
    }

    /// `ao` from object paths.
    public static func objectPaths(_ paths: some Sequence<ObjectPath>) -> DBusValue {
        .array(.objectPath, paths.map { .objectPath($0) })
    }

    /// `a{sv}` from a dictionary; each value is wrapped in a variant (unless it already is one) and keys
    /// are sorted so that the wire form is deterministic.
    public static func variantDictionary(_ dictionary: [String: DBusValue]) -> DBusValue {
        .dictionary(key: .string, value: .variant, dictionary.sorted { $0.key < $1.key }.map {
            DBusDictEntry(key: .string($0.key), value: $0.value.asVariant)
        })
    }

    /// This value wrapped in a variant, or itself when it already is one.
    public var asVariant: DBusValue {
        if case .variant = self { return self }
        return .variant(self)
    }
}
