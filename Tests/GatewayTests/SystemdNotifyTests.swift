import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's notification socket: collects what the daemon sends.
final class NotificationSocket: @unchecked Sendable {
    // @unchecked: `messages` is guarded by `lock`; `fd` is immutable.
    let path: String
    private let fd: Int32
    private var messages: [String] = []
    private let lock = NSLock()

    init(path: String) throws {
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        Thread { [weak self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0, let self else { return }
                let message = String(decoding: buffer[..<count], as: UTF8.self)
                self.lock.withLock { self.messages.append(message) }
            }
        }.start()
    }

    var received: [String] { lock.withLock { messages } }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }
}

@Suite(.serialized) struct SystemdNotifyTests {
    @Test func readinessWatchdogAndStoppingAreReported() async throws {
        let gateway = try await GatewayHarness.start(startDaemon: false)
        let notify = try NotificationSocket(path: gateway.directory.appendingPathComponent("notify.sock").path)
        // Watchdog every 600 ms: the daemon pings every third of it.
        try await gateway.startDaemon(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "600000"])
        try await gateway.waitUntil("READY=1 and watchdog pings", timeout: .seconds(20)) {
            let received = notify.received
            return received.contains { $0.contains("READY=1") } && received.filter { $0 == "WATCHDOG=1" }.count >= 2
        }
        #expect(await gateway.stopDaemon() == 0)
        #expect(notify.received.contains("STOPPING=1"))
        await gateway.stop()
    }
}
