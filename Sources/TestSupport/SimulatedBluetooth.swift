public import BlueZ
public import BlueZSimulator
public import DBus
import Foundation
import Logging

/// A private bus with a simulated bluetoothd on it: the fixture for BlueZ-level tests (and, later,
/// the gateway's end-to-end tests). The simulator runs in-process by default (fast, still a real
/// dbus-daemon between separate connections) or as the `bluez-sim` executable.
public final class SimulatedBluetooth: Sendable {
    public enum Mode: Sendable {
        case inProcess
        case executable
    }

    public let bus: PrivateBus
    /// The parsed scenario.
    public let scenario: Scenario
    /// Where the scenario file was written.
    public let scenarioPath: String
    /// The in-process simulator (nil in executable mode).
    public let simulator: Simulator?
    /// The `bluez-sim` process (nil in in-process mode).
    public let process: SimulatorProcess?
    /// A connection of the test's own, for the control interface.
    public let controlConnection: DBusConnection
    public var control: SimulatorClient { SimulatorClient(connection: controlConnection) }

    private init(bus: PrivateBus, scenario: Scenario, scenarioPath: String, simulator: Simulator?,
                 process: SimulatorProcess?, controlConnection: DBusConnection) {
        self.bus = bus
        self.scenario = scenario
        self.scenarioPath = scenarioPath
        self.simulator = simulator
        self.process = process
        self.controlConnection = controlConnection
    }

    /// Starts a bus and a simulator running `yaml`.
    public static func start(scenario yaml: String, mode: Mode = .inProcess) async throws -> SimulatedBluetooth {
        let scenario = try Scenario.parse(yaml: yaml)
        let bus = try await PrivateBus.start()
        let path = bus.directory.appendingPathComponent("scenario.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        var simulator: Simulator?
        var process: SimulatorProcess?
        switch mode {
        case .inProcess:
            var logger = Logger(label: "bluez-sim")
            logger.logLevel = .warning
            let started = Simulator(scenario: scenario, bus: .address(bus.address), logger: logger)
            try await started.start()
            simulator = started
        case .executable:
            process = try await SimulatorProcess.launch(bus: bus, scenarioPath: path)
        }
        let control = try await DBusConnection.connect(to: .address(bus.address))
        return SimulatedBluetooth(bus: bus, scenario: scenario, scenarioPath: path, simulator: simulator,
                                  process: process, controlConnection: control)
    }

    /// A BlueZ client on the bus, mirroring the simulated bluetoothd.
    public func makeClient() async throws -> BlueZClient {
        var logger = Logger(label: "bluez-client")
        logger.logLevel = .warning
        return try await BlueZClient.connect(to: .address(bus.address), logger: logger)
    }

    /// Stops the simulator and the bus.
    public func stop() async {
        await controlConnection.close()
        await simulator?.stop()
        process?.stop()
        bus.stop()
    }
}
