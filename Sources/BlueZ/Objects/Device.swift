public import DBus
public import HealthProfiles

/// org.bluez.Device1 (BlueZ doc/org.bluez.Device.rst).
public struct Device: BlueZObject {
    public let path: ObjectPath
    let client: BlueZClient

    init(path: ObjectPath, client: BlueZClient) {
        self.path = path
        self.client = client
    }

    /// The device's properties as last reported; nil when bluetoothd has no such device (any more).
    public func properties() async -> DeviceProperties? {
        await client.mirror.view.device(path)
    }

    // MARK: Connection

    /// One Connect() attempt. For LE devices bluetoothd answers once services are resolved, but the
    /// GATT objects may still be on their way: look characteristics up with `characteristic(_:)`, which
    /// waits for them. Already being connected counts as success.
    ///
    /// After success the Device1 properties are read back (`refreshProperties`): the real bluetoothd 5.66
    /// often signals only ServicesResolved after Connect(), never Connected=true, and whoever waits for the
    /// link to go down would otherwise believe it already is.
    public func connect(timeout: Duration = .seconds(60)) async throws(BlueZError) {
        do {
            _ = try await client.call(path, BlueZNames.device, "Connect", timeout: timeout)
        } catch .bluez(.alreadyConnected, _) {
            // connected already: fall through to read the state
        }
        await refreshProperties()
    }

    /// Connect() with retries on the transient failures (`BlueZError.isRetryableConnectFailure`, chiefly
    /// le-connection-abort-by-local). Before each retry it waits for bluetoothd to report the link down,
    /// then backs off as `policy` says.
    public func connect(retrying policy: ConnectRetryPolicy, clock: some Clock<Duration> = ContinuousClock(),
                        timeout: Duration = .seconds(60)) async throws(BlueZError) {
        let logger = client.logger
        let path = path
        try await withRetries(policy: policy, clock: clock, isRetryable: \.isRetryableConnectFailure,
                              beforeRetry: { attempt, error in
                                  logger.debug("connect attempt \(attempt) to \(path) failed (\(error)); retrying")
                                  try? await waitUntilDisconnected(timeout: policy.settleTimeout)
                              }) { _ throws(BlueZError) in
            try await connect(timeout: timeout)
        }
    }

    /// Disconnect(); not being connected counts as success. The properties are read back afterwards for the
    /// same reason as after `connect`, unless bluetoothd already announced the link down: the call's mirror
    /// barrier has applied everything announced before the reply, so a mirror that reads Connected=false is
    /// bluetoothd's word, and the read-back (GetAll and its own barrier: two more bus round trips, each a
    /// wake-up of the D-Bus thread and of the pool, at every visit's end) would only repeat it (issue 16).
    /// A link the mirror still shows up — bluetoothd announces the change after its reply, or not at all — is
    /// read back as before.
    public func disconnect() async throws(BlueZError) {
        do {
            _ = try await client.call(path, BlueZNames.device, "Disconnect")
        } catch .bluez(.notConnected, _) {
            // already down
        }
        let connected = await client.mirror.properties(path, BlueZNames.device)?[DevicePropertyName.connected.rawValue]
        if connected?.boolValue == false { return }
        await refreshProperties()
    }

    /// Reads the Device1 properties from bluetoothd into the mirror (see `ObjectManagerMirror.refresh`).
    /// A failed read changes nothing: the mirror keeps what bluetoothd announced.
    public func refreshProperties() async {
        do { try await client.mirror.refresh(path, interface: BlueZNames.device) } catch {
            client.logger.debug("reading \(path)'s properties failed: \(error)")
        }
    }

    /// Waits until the device reports ServicesResolved (connected and GATT discovery done).
    public func waitForServicesResolved(timeout: Duration) async throws(BlueZError) {
        let path = path
        _ = try await client.mirror.waitFor("\(path) to resolve its services", timeout: timeout) { view -> Bool? in
            view.device(path)?.servicesResolved == true ? true : nil
        }
    }

    /// Waits until the device is not connected (or gone); nil: for as long as it takes (until cancelled).
    public func waitUntilDisconnected(timeout: Duration?) async throws(BlueZError) {
        let path = path
        // Only the Connected property: a visit waits like this for its whole length, and the mirror asks again
        // after every change, every notified frame included; typing all the device's properties (its UUIDs
        // parsed) each time was a few percent of the daemon's CPU under load.
        _ = try await client.mirror.waitFor("\(path) to disconnect", timeout: timeout, failsOnServiceLoss: false) {
            view -> Bool? in
            view.property(path, BlueZNames.device, DevicePropertyName.connected.rawValue)?.boolValue == true ? nil : true
        }
    }

    // MARK: Pairing and trust

    /// Pairs (bonds) through the registered agent. Being paired already counts as success.
    /// The timeout is long because a person may be typing a passkey.
    public func pair(timeout: Duration = .seconds(120)) async throws(BlueZError) {
        do {
            _ = try await client.call(path, BlueZNames.device, "Pair", timeout: timeout)
        } catch .bluez(.alreadyExists, _) {
            return
        }
    }

    public func cancelPairing() async throws(BlueZError) {
        _ = try await client.call(path, BlueZNames.device, "CancelPairing")
    }

    /// GATT-only LE devices are not reconnected automatically; Trusted lets them in without an agent.
    public func setTrusted(_ trusted: Bool) async throws(BlueZError) {
        try await client.setProperty(path, DevicePropertyName.trusted, .boolean(trusted))
    }

    // MARK: GATT

    /// The characteristic with `uuid` (optionally in the service with `service`), waiting up to `timeout`
    /// for bluetoothd to export it: ServicesResolved may turn true before the objects exist.
    public func characteristic(_ uuid: BluetoothUUID, service: BluetoothUUID? = nil,
                               timeout: Duration = .seconds(10)) async throws(BlueZError) -> GattCharacteristicProxy {
        let devicePath = path
        let found = try await client.mirror.waitFor("characteristic \(uuid) on \(path)", timeout: timeout) { view in
            GattLookup.characteristic(uuid, service: service, under: devicePath, in: view)
        }
        return GattCharacteristicProxy(path: found, uuid: uuid, client: client)
    }

    /// The characteristics exported right now, in handle order.
    public func characteristics() async -> [GattCharacteristicProxy] {
        await client.mirror.view.characteristics(under: path).compactMap { entry in
            entry.properties.uuid.map { GattCharacteristicProxy(path: entry.path, uuid: $0, client: client) }
        }
    }

    /// org.bluez.Battery1 on this device (bluetoothd hides the Battery service from the GATT API).
    public var battery: Battery { Battery(path: path, client: client) }
}

enum GattLookup {
    static func characteristic(_ uuid: BluetoothUUID, service: BluetoothUUID?, under device: ObjectPath,
                               in view: MirrorView) -> ObjectPath? {
        for entry in view.characteristics(under: device) where entry.properties.uuid == uuid {
            if let service {
                guard let servicePath = entry.properties.service, view.gattServiceUUID(servicePath) == service else { continue }
            }
            return entry.path
        }
        return nil
    }
}
