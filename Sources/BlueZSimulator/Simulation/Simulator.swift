import BlueZ
public import DBus
import HealthProfiles
public import Logging
import Synchronization

/// A scripted stand-in for bluetoothd: owns org.bluez on a bus and exports what bluetoothd would for
/// the scenario's adapter and devices (Adapter1, Device1, GATT services/characteristics/descriptors,
/// Battery1, AgentManager1, ObjectManager at "/"), with BlueZ's timing quirks reproduced on purpose.
/// A control interface (`SimulatorControl`) on a second connection lets tests steer it.
///
/// Delays here (`pause`) simulate radio time, not synchronisation: they are what makes the BlueZ
/// pitfalls (late GATT objects, aborted connections, stored indications then hang-up) observable.
public actor Simulator {
    public nonisolated let scenario: Scenario
    let bus: DBusConnection.Bus
    let logger: Logger

    var bluetoothd: BluetoothdInstance?
    var control: DBusConnection?
    var generation = 0
    var clientWatcher: Task<Void, Never>?

    var adapterPresent = true
    var adapterPowered: Bool
    /// The adapter's setup after a restart (`AdapterConfig.busyAfterRestart`, `.poweringAfterRestartMs`).
    var adapterRestart = AdapterRestartState()
    var devices: [BluetoothAddress: SimulatedDevice] = [:]
    /// Scenario order, for deterministic advertising.
    let deviceOrder: [BluetoothAddress]

    var discoverySessions: Set<String> = []
    var discoveryFilters: [String: DiscoveryFilterState] = [:]
    /// The last SetDiscoveryFilter argument as received, for the control interface.
    var lastDiscoveryFilter: [String: DBusValue] = [:]
    var agents: [String: RegisteredAgent] = [:]
    var defaultAgent: String?
    /// Malformed GetManagedObjects replies still to send (scenario `faults.malformedObjectTrees`), across
    /// bluetoothd restarts; read on the connection thread, hence not actor state.
    nonisolated let malformedObjectTrees: Countdown

    struct RegisteredAgent: Sendable {
        let path: ObjectPath
        let capability: String
    }

    struct DiscoveryFilterState: Sendable {
        var uuids: [BluetoothUUID] = []
        var rssi: Int16?
        var transport = "auto"
    }

    public init(scenario: Scenario, bus: DBusConnection.Bus, logger: Logger = Logger(label: "bluez-sim")) {
        self.scenario = scenario
        self.bus = bus
        self.logger = logger
        adapterPowered = scenario.adapter.powered
        malformedObjectTrees = Countdown(scenario.faults.malformedObjectTrees)
        deviceOrder = scenario.devices.map(\.address)
        let adapterPath = BlueZNames.root.appending(scenario.adapter.name)
        for config in scenario.devices {
            devices[config.address] = SimulatedDevice(config: config, adapterPath: adapterPath)
        }
    }

    var adapterPath: ObjectPath { BlueZNames.root.appending(scenario.adapter.name) }

    // MARK: Lifecycle

    /// Connects, owns org.bluez (and no.dho.Simulator for the control interface) and exports the
    /// initial objects. Returns when clients can use it.
    public func start() async throws(DBusError) {
        let control = try await DBusConnection.connect(to: bus, logger: logger)
        self.control = control
        control.register(path: SimulatorControl.path) { [self] call in
            .deferred { () async throws(DBusError) -> [DBusValue] in try await self.handleControl(call) }
        }
        try await startBluetoothd()
        guard try await control.requestName(SimulatorControl.busName) == .primaryOwner else {
            throw .connectionFailed("\(SimulatorControl.busName) is owned by someone else")
        }
        logger.info("simulating bluetoothd with \(devices.count) device(s) on \(adapterPath)")
        startScenarioBroadcasts()
    }

    /// Releases the names and closes both connections.
    public func stop() async {
        await stopBluetoothd()
        if let control {
            await control.close()
        }
        control = nil
    }

    func startBluetoothd() async throws(DBusError) {
        generation += 1
        let connection = try await DBusConnection.connect(to: bus, logger: logger)
        let server = DBusObjectServer(connection: connection)
        let instance = BluetoothdInstance(connection: connection, server: server, generation: generation)
        bluetoothd = instance
        server.add(BlueZNames.root, interfaces: [agentManagerInterface()])
        let malformedObjectTrees = malformedObjectTrees
        let logger = logger
        server.intercept { call in
            guard call.interface == DBusObjectServer.objectManagerInterface, call.member == "GetManagedObjects",
                  malformedObjectTrees.take()
            else { return nil }
            logger.info("answering GetManagedObjects with a malformed tree (scenario faults)")
            return .reply([BusFaults.malformedObjectTree])
        }
        if adapterPresent { exportAdapterAndKnownDevices() }
        let owners = try await connection.signals(matching: .nameOwnerChanged())
        clientWatcher = Task { [weak self] in
            for await signal in owners {
                guard let change = NameOwnerChange(signal), change.name.hasPrefix(":"), change.newOwner == nil else {
                    continue
                }
                await self?.clientVanished(change.name)
            }
        }
        guard try await connection.requestName(BlueZNames.service) == .primaryOwner else {
            throw .connectionFailed("\(BlueZNames.service) is owned by someone else")
        }
        logger.info("owning \(BlueZNames.service) as \(connection.uniqueName) (generation \(generation))")
    }

    /// bluetoothd dies: every link drops, sessions and agents are forgotten, nothing is announced.
    func stopBluetoothd() async {
        clientWatcher?.cancel()
        clientWatcher = nil
        guard let instance = bluetoothd else { return }
        bluetoothd = nil
        for address in deviceOrder {
            devices[address]?.resetRuntime()
        }
        discoverySessions.removeAll()
        discoveryFilters.removeAll()
        agents.removeAll()
        defaultAgent = nil
        instance.server.stop()
        await instance.connection.close()
    }

    /// Simulates `systemctl restart bluetooth`: org.bluez disappears and comes back under a new unique
    /// name; only bonded devices are known again (from bluetoothd's storage).
    func restartBluetoothd() async throws(DBusError) {
        logger.info("restarting bluetoothd")
        await stopBluetoothd()
        beginAdapterRestart()
        try await startBluetoothd()
    }

    // MARK: Adapter presence

    func exportAdapterAndKnownDevices() {
        guard let server = bluetoothd?.server else { return }
        server.add(adapterPath, interfaces: [adapterInterface()])
        for address in deviceOrder where devices[address]?.paired == true {
            exportDevice(address, rssi: nil)
        }
    }

    func removeAdapter() {
        guard adapterPresent else { return }
        adapterPresent = false
        for address in deviceOrder {
            devices[address]?.resetRuntime()
        }
        discoverySessions.removeAll()
        discoveryFilters.removeAll()
        bluetoothd?.server.removeSubtree(adapterPath)
        logger.info("adapter \(adapterPath) removed")
    }

    func addAdapter() {
        guard !adapterPresent else { return }
        adapterPresent = true
        exportAdapterAndKnownDevices()
        logger.info("adapter \(adapterPath) added")
    }

    // MARK: Clients

    func clientVanished(_ name: String) {
        if discoverySessions.remove(name) != nil, discoverySessions.isEmpty {
            setAdapterProperties(["Discovering": .boolean(false)])
        }
        discoveryFilters[name] = nil
        if agents.removeValue(forKey: name) != nil { logger.debug("agent of \(name) gone") }
        if defaultAgent == name { defaultAgent = nil }
        for address in deviceOrder {
            guard let device = devices[address] else { continue }
            for (uuid, sessions) in device.notifySessions where sessions.contains(name) {
                devices[address]?.notifySessions[uuid]?.remove(name)
                if devices[address]?.isNotifying(uuid) == false {
                    setCharacteristicProperties(address, uuid, ["Notifying": .boolean(false)])
                }
            }
        }
    }

    // MARK: Emitting

    func setAdapterProperties(_ properties: [String: DBusValue]) {
        guard adapterPresent else { return }
        bluetoothd?.server.setProperties(adapterPath, interface: BlueZNames.adapter, properties)
    }

    func setDeviceProperties(_ address: BluetoothAddress, _ properties: [String: DBusValue],
                             alwaysEmit: Bool = false, announce: Bool = true) {
        guard let device = devices[address], device.objectExists else { return }
        let announced = device.config.faults.wrongPropertyTypes ? properties.mapValues(DeviceFaults.wronglyTyped) : properties
        bluetoothd?.server.setProperties(device.path, interface: BlueZNames.device, announced, alwaysEmit: alwaysEmit,
                                         announce: announce)
    }

    func setCharacteristicProperties(_ address: BluetoothAddress, _ uuid: BluetoothUUID,
                                     _ properties: [String: DBusValue], alwaysEmit: Bool = false) {
        guard let device = devices[address], device.gattExported,
              let characteristic = device.layout.characteristics[uuid]
        else { return }
        bluetoothd?.server.setProperties(characteristic.path, interface: BlueZNames.gattCharacteristic, properties,
                                         alwaysEmit: alwaysEmit)
    }

    /// Creates the Device1 object (as discovery or loading a bond does).
    func exportDevice(_ address: BluetoothAddress, rssi: Int16?) {
        guard let server = bluetoothd?.server, var device = devices[address], !device.objectExists else { return }
        device.objectExists = true
        devices[address] = device
        server.add(device.path, interfaces: [deviceInterface(address, rssi: rssi)])
    }

    /// Simulated radio time.
    func pause(_ milliseconds: Int) async {
        guard milliseconds > 0 else { return }
        try? await Task.sleep(for: .milliseconds(milliseconds))
    }

    func device(at path: ObjectPath) -> BluetoothAddress? {
        deviceOrder.first { devices[$0]?.path == path && devices[$0]?.objectExists == true }
    }
}

/// A number of occasions left, taken one at a time from any thread.
final class Countdown: Sendable {
    private let remaining: Mutex<Int>

    init(_ count: Int) { remaining = Mutex(count) }

    /// True (and one less left) while any are left.
    func take() -> Bool {
        remaining.withLock { count in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
    }
}

/// One incarnation of the simulated bluetoothd (a restart makes a new one with a new unique name).
final class BluetoothdInstance: Sendable {
    let connection: DBusConnection
    let server: DBusObjectServer
    let generation: Int

    init(connection: DBusConnection, server: DBusObjectServer, generation: Int) {
        self.connection = connection
        self.server = server
        self.generation = generation
    }
}

func bluezError(_ name: BlueZErrorName, _ message: String) -> DBusError {
    .remote(name: name.fullName, message: message)
}
