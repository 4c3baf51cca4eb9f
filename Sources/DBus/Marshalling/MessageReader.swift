import CDBus
#if canImport(Glibc)
import Glibc
#endif

/// Reads the body of a libdbus message into `DBusValue`s.
///
/// libdbus has already validated incoming messages against their signatures; this reader still treats any
/// surprise (such as a Unix fd, which is not supported) as a typed error rather than trapping.
enum MessageReader {
    static func read(_ message: OpaquePointer) throws(DBusError) -> [DBusValue] {
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(message, &iter) != 0 else { return [] }  // empty body
        var values: [DBusValue] = []
        while dbus_message_iter_get_arg_type(&iter) != TypeCode.invalid {
            values.append(try readValue(&iter))
            dbus_message_iter_next(&iter)
        }
        return values
    }

    private static func currentSignature(_ iter: inout DBusMessageIter) throws(DBusError) -> DBusType {
        guard let raw = dbus_message_iter_get_signature(&iter) else { throw .outOfMemory }
        defer { dbus_free(raw) }
        // Every PropertiesChanged signal carries an `a{sv}` and an `as` (bluetoothd sends one per notification):
        // known without building a String and parsing it (0.8 % of the daemon under load, perf, issue 16).
        for (text, type) in commonSignatures where strcmp(raw, text) == 0 { return type }
        return try DBusType(signature: String(cString: raw))
    }

    /// Internal for the test that checks each against the parser.
    static let commonSignatures: [(String, DBusType)] = [
        ("a{sv}", .dictionary(key: .string, value: .variant)),
        ("as", .array(.string)),
        ("a{sa{sv}}", .dictionary(key: .string, value: .dictionary(key: .string, value: .variant))),
    ]

    private static func readValue(_ iter: inout DBusMessageIter) throws(DBusError) -> DBusValue {
        let code = dbus_message_iter_get_arg_type(&iter)
        var basic = DBusBasicValue()
        switch code {
        case TypeCode.byte:
            dbus_message_iter_get_basic(&iter, &basic)
            return .byte(basic.byt)
        case TypeCode.boolean:
            dbus_message_iter_get_basic(&iter, &basic)
            return .boolean(basic.bool_val != 0)
        case TypeCode.int16:
            dbus_message_iter_get_basic(&iter, &basic)
            return .int16(basic.i16)
        case TypeCode.uint16:
            dbus_message_iter_get_basic(&iter, &basic)
            return .uint16(basic.u16)
        case TypeCode.int32:
            dbus_message_iter_get_basic(&iter, &basic)
            return .int32(basic.i32)
        case TypeCode.uint32:
            dbus_message_iter_get_basic(&iter, &basic)
            return .uint32(basic.u32)
        case TypeCode.int64:
            dbus_message_iter_get_basic(&iter, &basic)
            return .int64(Int64(basic.i64))
        case TypeCode.uint64:
            dbus_message_iter_get_basic(&iter, &basic)
            return .uint64(UInt64(basic.u64))
        case TypeCode.double:
            dbus_message_iter_get_basic(&iter, &basic)
            return .double(basic.dbl)
        case TypeCode.string, TypeCode.objectPath, TypeCode.signature:
            dbus_message_iter_get_basic(&iter, &basic)
            guard let pointer = basic.str else { throw .unexpectedReply("null string in message") }
            let text = String(cString: pointer)
            if code == TypeCode.string { return .string(text) }
            if code == TypeCode.signature { return .signature(text) }
            return .objectPath(try ObjectPath(validating: text))
        case TypeCode.array:
            return try readArray(&iter)
        case TypeCode.structure:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            var fields: [DBusValue] = []
            while dbus_message_iter_get_arg_type(&sub) != TypeCode.invalid {
                fields.append(try readValue(&sub))
                dbus_message_iter_next(&sub)
            }
            return .structure(fields)
        case TypeCode.variant:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            guard dbus_message_iter_get_arg_type(&sub) != TypeCode.invalid else {
                throw .unexpectedReply("empty variant")
            }
            return .variant(try readValue(&sub))
        case TypeCode.unixFD:
            throw .unexpectedReply("Unix file descriptors are not supported")
        default:
            throw .unexpectedReply("unknown type code \(code)")
        }
    }

    private static func readArray(_ iter: inout DBusMessageIter) throws(DBusError) -> DBusValue {
        var sub = DBusMessageIter()
        dbus_message_iter_recurse(&iter, &sub)
        // A byte array (every characteristic Value bluetoothd announces) is read without asking libdbus for the
        // array's signature: that allocates a C string which would be parsed into a `DBusType` for every frame.
        if dbus_message_iter_get_element_type(&iter) == TypeCode.byte {
            var pointer: UnsafeMutableRawPointer?
            var count: Int32 = 0
            if dbus_message_iter_get_arg_type(&sub) == TypeCode.byte {
                withUnsafeMutablePointer(to: &pointer) { out in
                    dbus_message_iter_get_fixed_array(&sub, out, &count)
                }
            }
            guard count > 0, let pointer else { return .array(.byte, []) }
            let buffer = UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: Int(count))
            return .array(.byte, buffer.map { .byte($0) })
        }
        let arrayType = try currentSignature(&iter)
        switch arrayType {
        case .array(let element):
            var items: [DBusValue] = []
            while dbus_message_iter_get_arg_type(&sub) != TypeCode.invalid {
                items.append(try readValue(&sub))
                dbus_message_iter_next(&sub)
            }
            return .array(element, items)
        case .dictionary(let keyType, let valueType):
            var entries: [DBusDictEntry] = []
            while dbus_message_iter_get_arg_type(&sub) == TypeCode.dictEntry {
                var entryIter = DBusMessageIter()
                dbus_message_iter_recurse(&sub, &entryIter)
                let key = try readValue(&entryIter)
                guard dbus_message_iter_next(&entryIter) != 0 else {
                    throw .unexpectedReply("dictionary entry without a value")
                }
                let value = try readValue(&entryIter)
                entries.append(DBusDictEntry(key: key, value: value))
                dbus_message_iter_next(&sub)
            }
            return .dictionary(key: keyType, value: valueType, entries)
        default:
            throw .unexpectedReply("array iterator with non-array signature \(arrayType)")
        }
    }
}
