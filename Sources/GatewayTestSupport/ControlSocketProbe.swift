import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether something listens on a Unix stream socket: one non-blocking connect, no process started.
///
/// `GatewayHarness.startDaemon` asks this before each `dhoctl status`: a dhoctl process costs ≈ 30 ms of CPU, and
/// with the suite starting ~100 gateways at once on 2 cores, a daemon takes seconds to listen, so polling with
/// dhoctl every 100 ms spent CPU the starting daemons were waiting for.
enum ControlSocketProbe {
    static func isListening(at path: String) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return true }  // let dhoctl say why
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        // EAGAIN: listening, its backlog full for now.
        return connected == 0 || errno == EAGAIN
    }
}
