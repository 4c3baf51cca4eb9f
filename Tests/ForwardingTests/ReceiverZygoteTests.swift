import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import FHIRTestSupport
import Testing

/// The pre-loaded receiver (Tests/peers/receiver_zygote.py) that forks the suite's strict receivers: a receiver
/// it forks ends when the test side drops it, a receiver that cannot start fails its test as before, the zygote
/// leaves no zombies and ends when the test process (its stdin) goes.
@Suite struct ReceiverZygoteTests {
    /// Whether something accepts connections on the loopback port.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Polls `condition` every 50 ms for up to `seconds` (a bound for a broken build, not a performance claim).
    static func eventually(within seconds: Double = 20, _ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    /// The children of `pid` and their states (/proc/PID/stat: "pid (comm) S ppid ...").
    static func children(of pid: Int32) -> [(pid: Int32, state: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> (Int32, String)? in
            guard let child = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == pid else { return nil }
            return (child, String(fields[0]))
        }
    }

    @Test func aDroppedStrictReceiverStopsAtOnceAndAnotherKeepsItsOwnState() async throws {
        var first: ReceiverProcess? = try await ReceiverProcess()
        let second = try await ReceiverProcess()
        let firstAdmin = try #require(first?.adminPort)
        let firstPort = try #require(first?.port)
        try await first?.inject([["status": 500]])
        #expect(try await first?.stats()["scriptRemaining"] as? Int == 1)
        #expect(try await second.stats()["scriptRemaining"] as? Int == 0, "each forked receiver has its own store")
        #expect(Self.accepts(port: firstAdmin) && Self.accepts(port: firstPort))

        first = nil
        #expect(try await Self.eventually { !Self.accepts(port: firstAdmin) && !Self.accepts(port: firstPort) },
                "a dropped receiver must stop listening")
        #expect(try await second.stat("requests") == 0, "the other receiver goes on")
    }

    @Test func aReceiverThatCannotStartFailsItsTest() async throws {
        await #expect(throws: ReceiverError.self) {
            _ = try await ReceiverProcess(arguments: ["--no-such-option"])
        }
        // The zygote survives its child's failure.
        let receiver = try await ReceiverProcess()
        #expect(try await receiver.stat("requests") == 0)
    }

    @Test func theZygoteReapsItsReceiversAndEndsWithItsInput() async throws {
        // A zygote of this test's own, so that its end does not touch the suite's.
        let zygote = try await ReceiverZygote.start()
        let pid = zygote.processIdentifier
        var lifeLines: [Int32] = []
        for _ in 0..<3 {
            lifeLines.append(try await zygote.spawn(arguments: ["--strict-phd"]).lifeLine)
        }
        #expect(Self.children(of: pid).count == 3)
        lifeLines.forEach { close($0) }
        #expect(try await Self.eventually { Self.children(of: pid).isEmpty },
                "dropped receivers end and are reaped: \(Self.children(of: pid))")

        zygote.endInput()
        #expect(try await Self.eventually { !zygote.isRunning },
                "the zygote ends when its stdin closes")
    }
}
