import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Synchronization
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's thread count is a behaviour: it must not follow the load or the number of technicians connected
/// (issue 16: ≤ 8 on this 2-core machine). Under load it used to reach 10–12, because each of GRDB's connection
/// queues (the writer and up to five readers) took a thread of its own from dispatch's unbounded overcommit pool.
/// What stays is fixed (main, dispatch's timer thread, the D-Bus loop, the control socket's loop, curl's queue, GRDB's
/// reader wait) plus the global pool, whose width is the number of cores.
extension SecurityTests {
    static let benchOximeter = BluetoothAddress("00:A0:50:00:00:B1")!
    static let spotCheck = BluetoothUUID("2A5E")!
    static let continuous = BluetoothUUID("2A5F")!

    @Test func theThreadCountStaysBoundedUnderLoadWithManyControlConnections() async throws {
        let gateway = try await GatewayHarness.start(
            scenario: GatewayHarness.repository.appendingPathComponent("profiles/sim/bench.yaml").path,
            logLevel: "info", startDaemon: false, strictPHD: false)
        do { try await Self.loadWhileCountingThreads(gateway) } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    static func loadWhileCountingThreads(_ gateway: GatewayHarness) async throws {
        // The oximeter sends far faster than its profile allows a real one to.
        try gateway.editDeviceProfile("pulse-oximeter.yaml") {
            $0.replacingOccurrences(of: "readings_per_minute: 6\n", with: "readings_per_minute: 600\n")
                .replacingOccurrences(of: "burst: 50\n", with: "burst: 100000\n")
        }
        try await gateway.startDaemon()
        let paired = try await gateway.dhoctl(["pair", benchOximeter.description, "--by", "technician-e2e"])
        guard paired.status == 0 else { throw HarnessError("pairing the oximeter failed: \(paired.stderr)") }
        let pid = try #require(gateway.daemonPID)
        try await waitUntilNotifying(gateway)

        let threads = ThreadSampler(pid: pid)
        defer { threads.stop() }  // a failing step must not leave the sampler running
        // Both blocking loops run on threads of their own: on the cooperative pool (as wide as the cores) they would
        // hold its threads, and with another test blocking one too (a `Process.waitUntilExit`), the whole test
        // process stood still — seen in a full run.
        let sampler = Task { try await onOwnThread { threads.run() } }
        // 24 technicians' connections asking for the status (which reads the store) all the time, while the
        // oximeter sends 20 spot-checks a second, each stored, triaged and forwarded.
        let clients = try await onOwnThread { ClientSockets.open(24, to: gateway.controlSocket, timeout: .seconds(30)) }
        defer { clients.closeAll() }
        let asking = Task {
            try await onOwnThread {
                for id in 1...60 {
                    clients.send(Array(#"{"id":\#(id),"command":"status"}"#.utf8) + [0x0A])
                    usleep(100_000)
                    clients.discardPending()
                }
            }
        }
        // As `bench resources` loads it: a spot-check and a continuous sample per tick, which keep the visit going;
        // a tick that finds the oximeter gone (the visit ended) waits for the next visit.
        var sent = 0
        for index in 0..<120 {
            let frame: [UInt8] = [0x00, UInt8(95 + index % 5), 0x00, UInt8(60 + index / 5 % 40), 0x00]
            if (try? await gateway.simulatorControl.notify(benchOximeter, spotCheck, frame)) != nil {
                sent += 1
                _ = try? await gateway.simulatorControl.notify(benchOximeter, continuous, frame)
            } else {
                try await waitUntilNotifying(gateway)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await asking.value
        let observations = 2 * sent  // SpO2 and pulse
        try await gateway.waitUntil("the readings to be forwarded", timeout: .seconds(120)) {
            (try await gateway.receiver.stats()["resources"] as? [String: Int])?["Observation"] ?? 0 >= observations
        }
        threads.stop()
        try await sampler.value

        #expect(sent >= 60, "only \(sent) of 120 notifications reached the daemon")
        try await expectAnswers(gateway, "after the load")
        let bound = 6 + ProcessInfo.processInfo.activeProcessorCount
        #expect(threads.most <= bound, "the daemon had up to \(threads.most) threads (bound \(bound))")
        // The daemon's tasks run on its one job thread (JobThread as the global executor), which did the
        // readings' work: dispatch's pool threads run only GRDB's and curl's queues.
        let jobThreadTicks = try #require(try threadCPUTicks(named: "dho-jobs", in: pid), "the daemon has no job thread")
        #expect(jobThreadTicks > 0, "the job thread ran nothing during the load")
    }

    /// utime + stime (clock ticks) of the process's thread named `name`, nil when it has none.
    static func threadCPUTicks(named name: String, in pid: Int32) throws -> Int? {
        for thread in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") {
            let comm = try String(contentsOfFile: "/proc/\(pid)/task/\(thread)/comm", encoding: .utf8)
            guard comm.trimmingCharacters(in: .newlines) == name else { continue }
            let stat = try String(contentsOfFile: "/proc/\(pid)/task/\(thread)/stat", encoding: .utf8)
            // After the parenthesised name: state is field 3, utime 14 and stime 15 (proc(5)).
            let fields = try #require(stat.split(separator: ")").last).split(separator: " ")
            return try #require(Int(fields[11])) + #require(Int(fields[12]))
        }
        return nil
    }

    /// The gateway visits the oximeter when it advertises; it is ready once both measurements notify.
    static func waitUntilNotifying(_ gateway: GatewayHarness) async throws {
        try await gateway.waitUntil("the oximeter to be connected and notifying", timeout: .seconds(90)) {
            let state = try await gateway.simulatorControl.deviceState(benchOximeter)
            if !state.connected { try await gateway.simulatorControl.advertise(benchOximeter) }
            return state.connected && state.notifying.contains(spotCheck) && state.notifying.contains(continuous)
        }
    }
}

/// The most threads a process had, sampled from /proc every 20 ms until stopped.
final class ThreadSampler: Sendable {
    private let pid: Int32
    private let maximum = Atomic<Int>(0)
    private let sampling = Atomic<Bool>(true)

    init(pid: Int32) { self.pid = pid }

    var most: Int { maximum.load(ordering: .relaxed) }

    func run() {
        while sampling.load(ordering: .relaxed) {
            if let threads = try? SecurityTests.threadCount(pid) { maximum.max(threads, ordering: .relaxed) }
            usleep(20_000)
        }
    }

    func stop() { sampling.store(false, ordering: .relaxed) }
}
