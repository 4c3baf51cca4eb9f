import CDBus

/// D-Bus messages as wire bytes, without a bus: the same marshalling (`MessageWriter`) and reading
/// (`MessageReader`) the connection uses, for the fuzzer and for replaying captured traffic.
///
/// libdbus validates the bytes (header, signature, body, UTF-8, nesting) before anything is read, exactly as it
/// does for a message arriving from the bus.
public enum DBusWireFormat {
    /// The wire bytes of a signal carrying `arguments`.
    public static func encodeSignal(path: ObjectPath, interface: String, member: String, arguments: [DBusValue])
        throws(DBusError) -> [UInt8]
    {
        try DBusNames.validateInterface(interface)
        try DBusNames.validateMember(member)
        guard let message = dbus_message_new_signal(path.rawValue, interface, member) else { throw .outOfMemory }
        defer { dbus_message_unref(message) }
        try MessageWriter.append(arguments, to: message)
        dbus_message_set_serial(message, 1)  // the connection numbers messages when sending; a message needs one
        var buffer: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        guard dbus_message_marshal(message, &buffer, &length) != 0, let buffer else { throw .outOfMemory }
        defer { dbus_free(buffer) }
        return UnsafeRawBufferPointer(start: buffer, count: Int(length)).map { $0 }
    }

    /// The arguments of the message in `bytes` (one complete message); a typed error when libdbus refuses
    /// the bytes or the body holds something the reader does not support.
    public static func decodeArguments(_ bytes: [UInt8]) throws(DBusError) -> [DBusValue] {
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        defer { dbus_error_free(&error) }
        let message = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { dbus_message_demarshal($0.baseAddress, Int32(clamping: $0.count), &error) }
        }
        guard let message else {
            let reason = error.message.map { String(cString: $0) } ?? "not a D-Bus message"
            throw .unexpectedReply("invalid message bytes: \(reason)")
        }
        defer { dbus_message_unref(message) }
        return try MessageReader.read(message)
    }
}
