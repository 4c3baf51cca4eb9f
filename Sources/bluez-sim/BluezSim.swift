import ArgumentParser
import BlueZSimulator
import DBus
import Logging

/// `bluez-sim`: a scripted bluetoothd for tests and demos (see README.md, "BlueZ simulator").
struct BluezSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bluez-sim",
        abstract: "Owns org.bluez on a D-Bus bus and behaves as bluetoothd does for scripted health devices.",
        discussion: """
        Prints one line "READY <unique name>" on stdout once clients can use it; logs go to stderr.
        Control interface: no.dho.Simulator1 at /no/dho/sim on the name no.dho.Simulator.
        Stops cleanly on SIGTERM or SIGINT.
        """)

    @Option(name: .long, help: "D-Bus address to connect to (default: the system bus, which honours DBUS_SYSTEM_BUS_ADDRESS).")
    var busAddress: String?

    @Option(name: .long, help: "Scenario YAML file.")
    var scenario: String

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Flag(name: .long, help: "Also stop when standard input reaches end of file (lets a parent's exit stop the simulator).")
    var exitWhenStdinCloses = false

    func runSimulator() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "bluez-sim")
        let loaded: Scenario
        do {
            loaded = try Scenario.load(path: scenario)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(2)
        }
        let bus: DBusConnection.Bus = busAddress.map { .address($0) } ?? .system
        let simulator = Simulator(scenario: loaded, bus: bus, logger: logger)
        do {
            try await simulator.start()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        writeLineToStandardOutput("READY")

        let reason = await ShutdownSignals.waitForShutdown(watchingStandardInput: exitWhenStdinCloses)
        logger.info("stopping (\(reason))")
        await simulator.stop()
        logger.info("stopped")
    }
}
