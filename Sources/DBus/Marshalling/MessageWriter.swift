import CDBus

/// Appends `DBusValue`s to a libdbus message.
///
/// Every value is validated first (`DBusValue.validate`): libdbus aborts the process when asked to append
/// something that does not match the container's signature, so nothing unchecked may reach it.
enum MessageWriter {
    static func append(_ values: [DBusValue], to message: OpaquePointer) throws(DBusError) {
        // The body's signature holds every declared type outside variants (element types of empty arrays
        // included) and may not exceed the 255 bytes of a signature.
        _ = try DBusType.parse(signature: values.signature)
        for value in values { try value.validate() }
        var iter = DBusMessageIter()
        dbus_message_iter_init_append(message, &iter)
        for value in values {
            guard append(value, to: &iter) else { throw .outOfMemory }
        }
    }

    /// Returns false only when libdbus ran out of memory.
    private static func append(_ value: DBusValue, to iter: inout DBusMessageIter) -> Bool {
        switch value {
        case .byte(var v): return dbus_message_iter_append_basic(&iter, TypeCode.byte, &v) != 0
        case .boolean(let b):
            var v: dbus_bool_t = b ? 1 : 0
            return dbus_message_iter_append_basic(&iter, TypeCode.boolean, &v) != 0
        case .int16(var v): return dbus_message_iter_append_basic(&iter, TypeCode.int16, &v) != 0
        case .uint16(var v): return dbus_message_iter_append_basic(&iter, TypeCode.uint16, &v) != 0
        case .int32(var v): return dbus_message_iter_append_basic(&iter, TypeCode.int32, &v) != 0
        case .uint32(var v): return dbus_message_iter_append_basic(&iter, TypeCode.uint32, &v) != 0
        case .int64(var v): return dbus_message_iter_append_basic(&iter, TypeCode.int64, &v) != 0
        case .uint64(var v): return dbus_message_iter_append_basic(&iter, TypeCode.uint64, &v) != 0
        case .double(var v): return dbus_message_iter_append_basic(&iter, TypeCode.double, &v) != 0
        case .string(let text): return appendText(text, code: TypeCode.string, to: &iter)
        case .objectPath(let path): return appendText(path.rawValue, code: TypeCode.objectPath, to: &iter)
        case .signature(let text): return appendText(text, code: TypeCode.signature, to: &iter)
        case .array(.byte, let items):
            return withContainer(TypeCode.array, signature: "y", on: &iter) { sub in
                var bytes = items.map { $0.byteValue ?? 0 }
                return bytes.withUnsafeMutableBufferPointer { buffer in
                    var base = UnsafeRawPointer(buffer.baseAddress)
                    // An empty array needs no elements; libdbus wants a non-null pointer only when count > 0.
                    guard buffer.count > 0 else { return true }
                    return dbus_message_iter_append_fixed_array(&sub, TypeCode.byte, &base, Int32(buffer.count)) != 0
                }
            }
        case .array(let element, let items):
            return withContainer(TypeCode.array, signature: element.signature, on: &iter) { sub in
                items.allSatisfy { append($0, to: &sub) }
            }
        case .dictionary(let key, let valueType, let entries):
            let entrySignature = "{" + key.signature + valueType.signature + "}"
            return withContainer(TypeCode.array, signature: entrySignature, on: &iter) { sub in
                entries.allSatisfy { entry in
                    withContainer(TypeCode.dictEntry, signature: nil, on: &sub) { entryIter in
                        append(entry.key, to: &entryIter) && append(entry.value, to: &entryIter)
                    }
                }
            }
        case .structure(let fields):
            return withContainer(TypeCode.structure, signature: nil, on: &iter) { sub in
                fields.allSatisfy { append($0, to: &sub) }
            }
        case .variant(let inner):
            return withContainer(TypeCode.variant, signature: inner.type.signature, on: &iter) { sub in
                append(inner, to: &sub)
            }
        }
    }

    private static func appendText(_ text: String, code: Int32, to iter: inout DBusMessageIter) -> Bool {
        text.withCString { cString in
            var pointer: UnsafePointer<CChar>? = cString
            return dbus_message_iter_append_basic(&iter, code, &pointer) != 0
        }
    }

    private static func withContainer(_ code: Int32, signature: String?, on iter: inout DBusMessageIter,
                                      _ body: (inout DBusMessageIter) -> Bool) -> Bool {
        var sub = DBusMessageIter()
        let opened: Bool
        if let signature {
            opened = signature.withCString { dbus_message_iter_open_container(&iter, code, $0, &sub) } != 0
        } else {
            opened = dbus_message_iter_open_container(&iter, code, nil, &sub) != 0
        }
        guard opened else { return false }
        guard body(&sub) else {
            dbus_message_iter_abandon_container(&iter, &sub)
            return false
        }
        return dbus_message_iter_close_container(&iter, &sub) != 0
    }
}
