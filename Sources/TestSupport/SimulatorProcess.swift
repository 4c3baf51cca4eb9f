public import Foundation
import Synchronization

/// A `bluez-sim` process on a private bus, for tests that need the real executable (and, later, the
/// gateway's end-to-end tests). It stops when `terminate()`/`stop()` is called and also when the test
/// process dies (it watches its stdin, which only we hold open).
public final class SimulatorProcess: Sendable {
    /// Where the simulator's log (stderr) goes.
    public let logFile: URL
    private let process: Mutex<Process?>
    private let lifeline: FileHandle
    private let exitStatus: AsyncStream<Int32>

    private init(process: Process, lifeline: FileHandle, logFile: URL, exitStatus: AsyncStream<Int32>) {
        self.process = Mutex(process)
        self.lifeline = lifeline
        self.logFile = logFile
        self.exitStatus = exitStatus
    }

    deinit {
        stop()
    }

    public struct LaunchFailed: Error, CustomStringConvertible {
        public let log: String
        public var description: String { "bluez-sim did not become ready; its log:\n\(log)" }
    }

    /// Starts `bluez-sim --scenario scenarioPath` on `bus` and returns once it printed READY.
    /// With `viaSystemBusVariable`, the address is passed as DBUS_SYSTEM_BUS_ADDRESS instead of
    /// `--bus-address`, as on a real hub where the simulator takes the system bus's place.
    public static func launch(bus: PrivateBus, scenarioPath: String, viaSystemBusVariable: Bool = false,
                              extraArguments: [String] = []) async throws -> SimulatorProcess {
        let executable = try BuiltProducts.executable(named: "bluez-sim")
        let logFile = bus.directory.appendingPathComponent("bluez-sim-\(UInt32.random(in: 0...UInt32.max)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)

        let process = Process()
        process.executableURL = executable
        var arguments = ["--scenario", scenarioPath, "--exit-when-stdin-closes", "--log-level", "debug"]
        var environment = ProcessInfo.processInfo.environment
        if viaSystemBusVariable {
            environment["DBUS_SYSTEM_BUS_ADDRESS"] = bus.address
        } else {
            arguments += ["--bus-address", bus.address]
        }
        process.arguments = arguments + extraArguments
        process.environment = environment
        let output = try ChildSocketPair()
        let lifeline = try ChildSocketPair()
        process.standardInput = lifeline.child
        process.standardOutput = output.child
        process.standardError = log
        let (exitStatus, exitContinuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { finished in
            exitContinuation.yield(finished.terminationStatus)
            exitContinuation.finish()
        }
        try process.run()
        output.closeChildEnd()
        lifeline.closeChildEnd()
        try? log.close()

        let simulator = SimulatorProcess(process: process, lifeline: lifeline.parent, logFile: logFile,
                                         exitStatus: exitStatus)
        guard await LineReader.firstLine(of: output.parent) == "READY" else {
            simulator.stop()
            throw LaunchFailed(log: simulator.log)
        }
        return simulator
    }

    /// The simulator's log so far.
    public var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(no log)"
    }

    /// Sends SIGTERM and returns the exit status once it has exited.
    public func terminate() async -> Int32 {
        guard let running = process.withLock({ $0 }) else { return -1 }
        // Not once it has ended and been reaped: its number may belong to another process by now.
        if running.isRunning { running.terminate() }
        return await waitForExit()
    }

    /// Waits for the process to exit by itself.
    public func waitForExit() async -> Int32 {
        var status: Int32 = -1
        for await code in exitStatus { status = code }
        process.withLock { $0 = nil }
        return status
    }

    /// Closes its stdin (it then stops) and waits for it; idempotent.
    public func stop() {
        try? lifeline.close()
        let running = process.withLock { process in
            let current = process
            process = nil
            return current
        }
        if let running { ProcessExit.wait(for: running) }
    }
}
