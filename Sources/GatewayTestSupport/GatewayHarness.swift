import BlueZ
public import BlueZSimulator
import DBus
public import FHIRTestSupport
public import Foundation
import Synchronization
public import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The whole gateway as it runs on a hub, for end-to-end tests and benchmarks: a private dbus-daemon,
/// `bluez-sim` playing the patient's home, the reference FHIR receiver standing in for the follow-up centre,
/// and the real `dho-gatewayd` with a configuration written here, driven through the real `dhoctl`.
public final class GatewayHarness: Sendable {
    public let bus: PrivateBus
    public let simulator: SimulatorProcess
    public let receiver: ReceiverProcess
    /// Holds the configuration, the state directory (database) and the daemon's log.
    public let directory: URL
    /// The control socket lives in its own world-traversable directory so that tests can try it as another user.
    public let socketDirectory: URL
    public let configPath: String
    /// A patient reference unique to this run, so a test can prove it never reaches a log.
    public let patientReference: String
    public let gatewayID: String
    /// The configuration the harness writes before any `extraConfiguration` (see `writeConfiguration`).
    public let baseConfiguration: String
    private let daemon = Mutex<Process?>(nil)
    private let controlConnection: DBusConnection

    public var controlSocket: String { socketDirectory.appendingPathComponent("control.sock").path }
    public var stateDirectory: URL { directory.appendingPathComponent("state") }
    public var databasePath: String { stateDirectory.appendingPathComponent("gateway.sqlite").path }
    public var daemonLogPath: String { directory.appendingPathComponent("daemon.log").path }
    public var daemonLog: String { (try? String(contentsOfFile: daemonLogPath, encoding: .utf8)) ?? "" }
    public var simulatorControl: SimulatorClient { SimulatorClient(connection: controlConnection) }

    private init(bus: PrivateBus, simulator: SimulatorProcess, receiver: ReceiverProcess, socketDirectory: URL,
                 configPath: String, patientReference: String, gatewayID: String, baseConfiguration: String,
                 controlConnection: DBusConnection) {
        self.bus = bus
        self.simulator = simulator
        self.receiver = receiver
        directory = bus.directory
        self.socketDirectory = socketDirectory
        self.configPath = configPath
        self.patientReference = patientReference
        self.gatewayID = gatewayID
        self.baseConfiguration = baseConfiguration
        self.controlConnection = controlConnection
    }

    /// The repository root, found from this file.
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Starts bus, simulator (scenario file, default profiles/sim/home.yaml) and receiver, writes the
    /// configuration (`extraConfiguration` is appended: YAML sections the defaults do not set; the forwarding
    /// backoff and the devices' revisit interval have their own parameters) and, unless told not to, the daemon.
    /// `patientReference` defaults to one unique to the run; `forwardingSettings` are further lines of the
    /// `forwarding` section (`ca-file: ...`, `bearer-token-file: ...`). Tests log at debug level; benchmarks pass
    /// `info` (the production level) so that logging does not dominate what they measure. The receiver checks
    /// every Bundle against FHIR R4 and the PHD IG 2.0.0 (`strictPHD`) unless told not to. `centreSettings` are
    /// the lines of the `centre` section: by default the hub reports nothing about itself (`reports: []`: no
    /// check-in, technical-alert Flags or device inventory), so that the receiver holds what the test's readings
    /// and alerts produce; the tests of those reports give their own settings.
    public static func start(
        scenario: String = repository.appendingPathComponent("profiles/sim/home.yaml").path,
        carePlan: String = "copd", extraConfiguration: String = "", receiverArguments: [String] = [],
        patientReference: String? = nil, forwardingSettings: [String] = [],
        forwardingBackoff: (initial: String, maximum: String) = ("100ms", "1s"), revisitInterval: String = "15s",
        logLevel: String = "debug", startDaemon: Bool = true, carePlanSettings: [String] = [], strictPHD: Bool = true,
        centreSettings: [String] = ["reports: []"]
    ) async throws -> GatewayHarness {
        let bus = try await PrivateBus.start()
        let simulator = try await SimulatorProcess.launch(
            bus: bus, scenarioPath: scenario, extraArguments: logLevel == "debug" ? [] : ["--log-level", logLevel])
        let receiver = try await ReceiverProcess(arguments: receiverArguments, strictPHD: strictPHD)
        let socketDirectory = URL(fileURLWithPath: "/tmp").appendingPathComponent("dho-ctl-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: socketDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let patient = patientReference ?? "Patient/e2e-\(UUID().uuidString.prefix(12))"
        let gatewayID = "hub-e2e-\(UInt16.random(in: 1000...9999))"
        let configPath = bus.directory.appendingPathComponent("gateway.yaml").path
        let base = """
            gateway:
              id: \(gatewayID)
            patient:
              reference: \(patient)
              care-plan:
                template: \(carePlan)
                installed-by: technician-e2e
            \(carePlanSettings.map { "    " + $0 + "\n" }.joined())paths:
              state-directory: \(bus.directory.appendingPathComponent("state").path)
              control-socket: \(socketDirectory.appendingPathComponent("control.sock").path)
              profiles: \(repository.appendingPathComponent("profiles").path)
            bluetooth:
              bus-address: \(bus.address)
              revisit-interval: \(revisitInterval)
            forwarding:
              endpoint: \(receiver.url)
              initial-backoff: \(forwardingBackoff.initial)
              maximum-backoff: \(forwardingBackoff.maximum)
            \(forwardingSettings.map { "  " + $0 + "\n" }.joined())logging:
              level: \(logLevel)
            centre:
            \(centreSettings.map { "  " + $0 + "\n" }.joined())

            """
        let control = try await DBusConnection.connect(to: .address(bus.address))
        let harness = GatewayHarness(
            bus: bus, simulator: simulator, receiver: receiver, socketDirectory: socketDirectory, configPath: configPath,
            patientReference: patient, gatewayID: gatewayID, baseConfiguration: base, controlConnection: control)
        try harness.writeConfiguration(extraConfiguration)
        if startDaemon { try await harness.startDaemon() }
        return harness
    }

    /// Rewrites the configuration file: the harness's own sections plus `extra` (YAML sections the defaults do
    /// not set). A running daemon reads it at its next start.
    public func writeConfiguration(_ extra: String) throws {
        try Self.writeConfiguration(baseConfiguration + extra, to: configPath)
    }

    public struct DaemonDidNotStart: Error, CustomStringConvertible {
        public let log: String
        public var description: String { "dho-gatewayd did not become ready; its log:\n\(log)" }
    }

    /// Launches dho-gatewayd and returns once its control socket answers `status`.
    public func startDaemon(environment extra: [String: String] = [:]) async throws {
        let process = try daemonProcess(configPath: configPath, environment: extra, asUser: nil)
        try process.run()
        daemon.withLock { $0 = process }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw DaemonDidNotStart(log: daemonLog) }
            if ControlSocketProbe.isListening(at: controlSocket), (try? await dhoctl(["status"]))?.status == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DaemonDidNotStart(log: daemonLog)
    }

    /// The daemon process, its output appended to `daemonLogPath`; `asUser` runs it through setpriv.
    private func daemonProcess(configPath: String, environment extra: [String: String], asUser uid: UInt32?) throws -> Process {
        let process = Process()
        let executable = try BuiltProducts.executable(named: "dho-gatewayd")
        if let uid {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", executable.path, "--config", configPath]
        } else {
            process.executableURL = executable
            process.arguments = ["--config", configPath]
        }
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { _, new in new }
        process.environment = environment
        if !FileManager.default.fileExists(atPath: daemonLogPath) {
            _ = FileManager.default.createFile(atPath: daemonLogPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: daemonLogPath))
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        return process
    }

    /// What a daemon that was expected to give up printed, and how it ended.
    public struct DaemonExit: Sendable {
        public let status: Int32
        /// Only this run's part of the daemon log.
        public let log: String
    }

    /// Runs dho-gatewayd expecting it to exit by itself (a configuration or start-up error); throws if it is
    /// still running after `timeout` (it is then killed).
    public func runDaemonToExit(configPath: String? = nil, environment: [String: String] = [:], asUser uid: UInt32? = nil,
                                timeout: Duration = .seconds(30)) async throws -> DaemonExit {
        let before = (try? FileManager.default.attributesOfItem(atPath: daemonLogPath)[.size] as? Int) ?? 0
        let process = try daemonProcess(configPath: configPath ?? self.configPath, environment: environment, asUser: uid)
        let exited = OneShotSignal()
        process.terminationHandler = { _ in exited.fire() }
        try process.run()
        guard await exited.wait(timeout: timeout) else {
            kill(process.processIdentifier, SIGKILL)
            _ = await exited.wait(timeout: .seconds(10))
            throw HarnessError("dho-gatewayd did not exit within \(timeout); its log:\n\(daemonLog)")
        }
        let bytes = FileManager.default.contents(atPath: daemonLogPath) ?? Data()
        let log = String(decoding: bytes.dropFirst(before), as: UTF8.self)
        return DaemonExit(status: process.terminationStatus, log: log)
    }

    /// `dhoctl status --json`, decoded.
    public func status() async throws -> [String: Any] {
        try await dhoctlJSON(["status"]) as? [String: Any] ?? [:]
    }

    /// Sends `signal` to the daemon and returns its exit status (SIGKILL: the crash case).
    @discardableResult
    public func stopDaemon(signal: Int32 = SIGTERM) async -> Int32 {
        guard let process = daemon.withLock({ current -> Process? in defer { current = nil }; return current }) else {
            return -1
        }
        // Only a daemon still running is signalled. One that ended by itself (a refused configuration, a failure)
        // was reaped by Foundation and its number is free again: PIDs wrap at 32,768 here and threads take numbers
        // too, so during the suite another test's process (its daemon, once) soon has it, and a SIGTERM to the
        // number stopped that daemon in the middle of its test.
        if process.isRunning { kill(process.processIdentifier, signal) }
        return await withCheckedContinuation { continuation in
            // Reaped on its own thread: waitUntilExit blocks.
            Thread {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }.start()
        }
    }

    public var daemonPID: Int32? { daemon.withLock { $0?.processIdentifier } }

    /// Rewrites the configuration file (for the next `startDaemon`).
    public func editConfiguration(_ edit: (String) -> String) throws {
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        try Self.writeConfiguration(edit(text), to: configPath)
    }

    /// Writes a configuration file as an installer would: 0600, since it names the patient (the daemon refuses
    /// one that other users can read).
    public static func writeConfiguration(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// Runs the real dhoctl against this daemon. `asUser` runs it as that user (needs root): with the
    /// user's own groups from /etc/group when `primaryGroup` is given (a technician), else with no groups.
    public func dhoctl(_ arguments: [String], stdin: String? = nil, asUser uid: UInt32? = nil,
                       primaryGroup gid: UInt32? = nil) async throws -> CommandOutput {
        var executable = try BuiltProducts.executable(named: "dhoctl")
        var fullArguments = arguments + (arguments.first == "config" || arguments.first == "decode" ? [] : ["--socket", controlSocket])
        if let uid {
            let groups = gid.map { ["--regid=\($0)", "--init-groups"] } ?? ["--regid=\(uid)", "--clear-groups"]
            fullArguments = ["--reuid=\(uid)"] + groups + [executable.path] + fullArguments
            executable = URL(fileURLWithPath: "/usr/bin/setpriv")
        }
        return try await ProcessRunner.run(executable, fullArguments, stdin: stdin, workingDirectory: directory)
    }

    /// `dhoctl <command> --json`, decoded.
    public func dhoctlJSON(_ arguments: [String]) async throws -> Any {
        let output = try await dhoctl(arguments + ["--json"])
        guard output.status == 0 else { throw HarnessError("dhoctl \(arguments.joined(separator: " ")) failed: \(output.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
    }

    /// Polls `condition` until it holds; fails with `TimedOut` naming `what`. For conditions that change in
    /// other processes (the daemon, the receiver), which cannot be awaited as events from here.
    public func waitUntil(_ what: String, timeout: Duration = .seconds(60),
                          _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("timed out after \(timeout) waiting for \(what)")
    }

    /// Stops everything this harness started.
    public func stop() async {
        await stopDaemon()
        await controlConnection.close()
        simulator.stop()
        bus.stop()
        try? FileManager.default.removeItem(at: socketDirectory)
    }
}

/// Fires once; a waiter gets true, or false when its timeout passes first. Bridges a Process termination
/// handler (which runs on a Foundation thread) to async code without blocking a pool thread.
final class OneShotSignal: Sendable {
    private struct State {
        var fired = false
        var waiters: [UUID: CheckedContinuation<Bool, Never>] = [:]
    }
    private let state = Mutex(State())

    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume(returning: true) }
    }

    func wait(timeout: Duration) async -> Bool {
        let id = UUID()
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let fired = state.withLock { state -> Bool in
                if state.fired { return true }
                state.waiters[id] = continuation
                return false
            }
            if fired { continuation.resume(returning: true) }
        }
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
