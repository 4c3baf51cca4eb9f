public import DBus
public import Logging

/// The entry point to bluetoothd: a bus connection plus the mirrored object tree, from which adapters,
/// devices and characteristics are reached. Works unchanged against real bluetoothd on the system bus
/// and against `bluez-sim` on a private bus.
public final class BlueZClient: Sendable {
    public let connection: DBusConnection
    public let mirror: ObjectManagerMirror
    public let logger: Logger
    /// Default timeout of plain method calls (Connect and Pair take their own, longer ones).
    public let callTimeout: Duration

    /// Uses an existing connection and starts mirroring org.bluez on it.
    public init(connection: DBusConnection, logger: Logger = Logger(label: "bluez"),
                callTimeout: Duration = .seconds(25)) async throws(BlueZError) {
        self.connection = connection
        self.logger = logger
        self.callTimeout = callTimeout
        mirror = ObjectManagerMirror(connection: connection, logger: logger)
        try await mirror.start()
    }

    /// Connects to `bus` (the system bus unless told otherwise) and starts mirroring org.bluez.
    public static func connect(to bus: DBusConnection.Bus = .system, logger: Logger = Logger(label: "bluez"))
        async throws(BlueZError) -> BlueZClient
    {
        let connection: DBusConnection
        do {
            connection = try await DBusConnection.connect(to: bus, logger: logger)
        } catch {
            throw BlueZError(error)
        }
        return try await BlueZClient(connection: connection, logger: logger)
    }

    /// Stops mirroring and closes the connection.
    public func close() async {
        await mirror.stop()
        await connection.close()
    }

    // MARK: Objects

    public func adapter(_ path: ObjectPath) -> Adapter { Adapter(path: path, client: self) }
    /// The adapter with the kernel's name `name` ("hci0").
    public func adapter(named name: String) -> Adapter { adapter(BlueZNames.adapterPath(named: name)) }
    public func device(_ path: ObjectPath) -> Device { Device(path: path, client: self) }

    /// The adapters bluetoothd currently has, by path.
    public func adapters() async -> [Adapter] {
        await mirror.view.objects(with: BlueZNames.adapter).map { adapter($0.path) }
    }

    /// Waits for an adapter (a given one, or any, preferring hci0) to exist; adapters come and go with
    /// USB dongles and bluetoothd restarts.
    public func waitForAdapter(_ path: ObjectPath? = nil, timeout: Duration) async throws(BlueZError) -> Adapter {
        let found = try await mirror.waitFor("a Bluetooth adapter", timeout: timeout, failsOnServiceLoss: false) {
            view -> ObjectPath? in
            let adapters = view.objects(with: BlueZNames.adapter).map(\.path)
            if let path { return adapters.contains(path) ? path : nil }
            return adapters.first
        }
        return adapter(found)
    }

    /// Every known device (on any adapter).
    public func devices() async -> [Device] {
        await mirror.view.objects(with: BlueZNames.device).map { device($0.path) }
    }

    /// The device with `address` on any adapter, if bluetoothd has an object for it.
    public func device(address: BluetoothAddress) async -> Device? {
        await mirror.view.objects(with: BlueZNames.device)
            .first { DeviceProperties($0.properties).address == address }
            .map { device($0.path) }
    }

    // MARK: Calls

    /// Calls a bluetoothd method, mapping errors to `BlueZError`. When it returns (or throws), the mirror
    /// already reflects every change bluetoothd announced before answering (`ObjectManagerMirror.synchronize`).
    public func call(_ path: ObjectPath, _ interface: String, _ member: String, _ arguments: [DBusValue] = [],
                     timeout: Duration? = nil) async throws(BlueZError) -> [DBusValue] {
        let result: Result<[DBusValue], DBusError>
        do {
            result = .success(try await connection.call(destination: BlueZNames.service, path: path,
                                                        interface: interface, member: member, arguments: arguments,
                                                        timeout: timeout ?? callTimeout))
        } catch {
            result = .failure(error)
        }
        await mirror.synchronize()
        switch result {
        case .success(let values): return values
        case .failure(let error): throw BlueZError(error)
        }
    }

    /// org.freedesktop.DBus.Properties.Set on a bluetoothd object.
    public func setProperty<Name: BlueZPropertyName>(_ path: ObjectPath, _ name: Name, _ value: DBusValue)
        async throws(BlueZError) {
        _ = try await call(path, BlueZNames.properties, "Set", [.string(Name.interface), .string(name.rawValue), .variant(value)])
    }
}
