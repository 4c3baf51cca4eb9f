public import DBus
public import HealthProfiles

/// org.bluez.GattCharacteristic1 of a remote device (BlueZ doc/org.bluez.GattCharacteristic.rst).
public struct GattCharacteristicProxy: BlueZObject {
    public let path: ObjectPath
    public let uuid: BluetoothUUID
    let client: BlueZClient

    init(path: ObjectPath, uuid: BluetoothUUID, client: BlueZClient) {
        self.path = path
        self.uuid = uuid
        self.client = client
    }

    public enum WriteType: String, Sendable {
        /// Write without response.
        case command
        /// Write with response: the device acknowledges (what control points such as RACP need).
        case request
        case reliable
    }

    /// ReadValue(a{sv} options) -> ay.
    public func readValue(offset: UInt16 = 0) async throws(BlueZError) -> [UInt8] {
        var options: [String: DBusValue] = [:]
        if offset != 0 { options["offset"] = .uint16(offset) }
        let reply = try await client.call(path, BlueZNames.gattCharacteristic, "ReadValue", [.variantDictionary(options)])
        // The reply's shape, never its content, goes into the error: it may be huge.
        guard reply.count == 1, let bytes = reply.first?.bytesValue else {
            throw .unexpected("ReadValue returned (\(reply.signature)) instead of (ay)")
        }
        guard bytes.count <= PropertySchema.maximumAttributeValue else {
            throw .unexpected("ReadValue returned \(bytes.count) bytes; an attribute holds at most \(PropertySchema.maximumAttributeValue)")
        }
        return bytes
    }

    /// WriteValue(ay value, a{sv} options) with the write type in the options.
    public func writeValue(_ value: [UInt8], type: WriteType = .request, offset: UInt16 = 0) async throws(BlueZError) {
        var options: [String: DBusValue] = ["type": .string(type.rawValue)]
        if offset != 0 { options["offset"] = .uint16(offset) }
        _ = try await client.call(path, BlueZNames.gattCharacteristic, "WriteValue",
                                  [.bytes(value), .variantDictionary(options)])
    }

    /// StartNotify(): notifications and indications then arrive as changes of the Value property. The
    /// session survives disconnects, but the device may have forgotten it (see `DeviceVisit.subscribe`).
    public func startNotify() async throws(BlueZError) {
        _ = try await client.call(path, BlueZNames.gattCharacteristic, "StartNotify")
    }

    public func stopNotify() async throws(BlueZError) {
        _ = try await client.call(path, BlueZNames.gattCharacteristic, "StopNotify")
    }

    /// Every notified or indicated value from now on, in order and without loss. Subscribe before
    /// `startNotify()` so that nothing sent right after it is missed.
    public func valueUpdates() async -> AsyncStream<[UInt8]> {
        let path = path
        return await client.mirror.subscribeTyped { event in
            guard case .characteristic(path, .value(let bytes)) = event else { return nil }
            return bytes
        }
    }

    public func properties() async -> CharacteristicProperties? {
        await client.mirror.properties(path, BlueZNames.gattCharacteristic).map(CharacteristicProperties.init)
    }
}
