import Foundation
import GatewayTestSupport
import Synchronization
import TestSupport
import Testing
@testable import Gateway
#if canImport(Glibc)
import Glibc
#endif

/// Any technician (or a runaway script) can open connections to the control socket. The daemon used to give
/// each one a thread: 1,100 idle connections took 1,003 threads and every descriptor, accept failed with EMFILE,
/// its loop ended silently and `dhoctl` timed out until a restart.
extension SecurityTests {
    @Test func eleventHundredIdleConnectionsAndADescriptorShortageLeaveTheControlSocketUsable() async throws {
        try ClientSockets.raiseOwnDescriptorLimit(atLeast: 4096)
        let gateway = try await GatewayHarness.start()
        do { try await Self.floodAndStarve(gateway) } catch {
            await gateway.stop()  // a daemon left running with a lowered limit would outlive the test
            throw error
        }
        await gateway.stop()
    }

    static func floodAndStarve(_ gateway: GatewayHarness) async throws {
        let pid = try #require(gateway.daemonPID)
        let threadsBefore = try threadCount(pid)
        // What the daemon holds with no control connection open (after one command: its store's readers opened).
        try await expectAnswers(gateway, "before the flood")
        let baseline = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count

        // 1,100 connections that never send anything.
        let idle = try await onOwnThread { ClientSockets.open(1100, to: gateway.controlSocket, timeout: .seconds(60)) }
        defer { idle.closeAll() }
        #expect(idle.failed == 0, "\(idle.failed) connections could not even be queued")
        try await expectAnswers(gateway, "with 1,100 idle connections open")
        let threads = try threadCount(pid)
        #expect(threads <= threadsBefore + 8, "the daemon went from \(threadsBefore) to \(threads) threads")

        // The daemon runs out of descriptors: its limit leaves room for 16 control connections beside what it held
        // before the flood, and 40 more come. "What it has open now, minus 2" left it below its own baseline
        // whenever the kept idle connections had timed out (5 s) by the time of the count (a slow step under a
        // loaded suite): no connection to give up, and dhoctl queued behind the flood for good (a fresh-clone run
        // failed so). 16, not fewer: the store opens reader connections (descriptors of their own) as it needs them.
        try await setDescriptorLimit(pid, baseline + 16, in: gateway)
        let more = try await onOwnThread { ClientSockets.open(40, to: gateway.controlSocket, timeout: .seconds(30)) }
        defer { more.closeAll() }
        try await expectAnswers(gateway, "after running out of descriptors")
        let shortageLines = gateway.daemonLog.components(separatedBy: "control socket: cannot accept a connection").count - 1
        #expect((1...2).contains(shortageLines),
                "\(shortageLines) log lines for one burst of descriptor shortage (\(baseline) descriptors before the flood)")

        try await setDescriptorLimit(pid, 256, in: gateway)
        idle.closeAll()
        more.closeAll()
        try await expectAnswers(gateway, "after the idle connections closed")
        try await expectAnswers(gateway, "for the device list", ["devices"])
        #expect(try threadCount(pid) <= threadsBefore + 8)
    }

    @Test func aConnectionThatSendsNoCompleteRequestIsClosed() async throws {
        let gateway = try await GatewayHarness.start()
        let silent = try await onOwnThread { ClientSockets.open(1, to: gateway.controlSocket, timeout: .seconds(30)) }
        let partial = try await onOwnThread { ClientSockets.open(1, to: gateway.controlSocket, timeout: .seconds(30)) }
        partial.send(Array(#"{"id":1,"command":"sta"#.utf8))
        // The daemon closes both (idle timeout 5 s): the next read sees end of stream, not our 30 s timeout.
        #expect(try await onOwnThread { silent.readsEndOfStream(within: 30) })
        #expect(try await onOwnThread { partial.readsEndOfStream(within: 30) })
        silent.closeAll()
        partial.closeAll()
        try await Self.expectAnswers(gateway, "after closing idle connections")
        await gateway.stop()
    }

    static func threadCount(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Threads:") })
        return try #require(Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)))
    }

    /// Sets the soft limit only: raising it back needs no privilege, unlike the hard limit.
    static func setDescriptorLimit(_ pid: Int32, _ limit: Int, in gateway: GatewayHarness) async throws {
        let output = try await ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/prlimit"), ["--pid", "\(pid)", "--nofile=\(limit):"],
            workingDirectory: gateway.directory)
        try #require(output.status == 0, "prlimit: \(output.stderr)\ndaemon log:\n\(gateway.daemonLog.suffix(4000))")
    }

    /// `dhoctl status` (or `command`) must answer; bounded by `timeout`, since a dead accept loop makes it wait
    /// for ever.
    static func expectAnswers(_ gateway: GatewayHarness, _ when: String, _ command: [String] = ["status"]) async throws {
        let dhoctl = try BuiltProducts.executable(named: "dhoctl").path
        let output = try await ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/timeout"), ["30", dhoctl] + command + ["--socket", gateway.controlSocket],
            workingDirectory: gateway.directory)
        #expect(output.status == 0 && !output.stdout.isEmpty,
                "dhoctl \(command[0]) \(when): \(output.status) \(output.stderr)\ndaemon log:\n\(gateway.daemonLog.suffix(4000))")
    }
}

/// Raw client connections to a Unix socket, for flooding it; blocking calls, so use them on their own thread.
final class ClientSockets: Sendable {
    /// Emptied by `closeAll()`, so that closing twice cannot close a number reused by someone else meanwhile.
    private let open: Mutex<[Int32]>
    /// Connections that could not be queued before the timeout (the daemon no longer accepting).
    let failed: Int

    private var fds: [Int32] { open.withLock { $0 } }

    private init(fds: [Int32], failed: Int) {
        open = Mutex(fds)
        self.failed = failed
    }

    static func raiseOwnDescriptorLimit(atLeast wanted: Int) throws {
        var limit = rlimit()
        try #require(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        guard limit.rlim_cur < rlim_t(wanted) else { return }
        limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
        try #require(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        try #require(limit.rlim_cur >= 1200, "this process may open only \(limit.rlim_cur) descriptors")
    }

    /// Connects `count` times without blocking: a full backlog (EAGAIN) is retried until `timeout` runs out.
    static func open(_ count: Int, to path: String, timeout: Duration) -> ClientSockets {
        let deadline = ContinuousClock.now + timeout
        var fds: [Int32] = []
        var failed = 0
        for _ in 0..<count {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { failed += 1; continue }
            var connected = false
            while ContinuousClock.now < deadline {
                if withSocketAddress(path, { connect(fd, $0, $1) }) == 0 { connected = true; break }
                guard errno == EAGAIN || errno == EINTR else { break }
                usleep(2000)
            }
            if connected { fds.append(fd) } else { close(fd); failed += 1 }
        }
        return ClientSockets(fds: fds, failed: failed)
    }

    func send(_ bytes: [UInt8]) {
        for fd in fds { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
    }

    /// Whether every connection reads end of stream (the peer closed it) within `seconds`.
    func readsEndOfStream(within seconds: Int32) -> Bool {
        fds.allSatisfy { fd in
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, seconds * 1000) == 1 else { return false }
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, 0) == 0
        }
    }

    /// Reads and drops whatever the daemon has answered so far, without waiting.
    func discardPending() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        for fd in fds {
            while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) > 0 {}
        }
    }

    func closeAll() { open.withLock { fds in fds.forEach { close($0) }; fds = [] } }
}
