// AF_UNIX stream sockets over Glibc. Written by hand: the control interface needs SO_PEERCRED and file
// ownership of the socket node, which the Swift networking libraries (NIO, Foundation) do not expose. The
// daemon reads without blocking (MSG_DONTWAIT, driven by one poll loop) and writes with a send timeout; dhoctl
// reads and writes blocking.
#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Synchronization

/// Credentials of the process at the other end of a control connection, from the kernel (not the client).
public struct PeerCredentials: Sendable, Hashable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
}

struct SocketError: Error, CustomStringConvertible {
    var operation: String
    var path: String
    var code: Int32

    var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}

/// One connected stream socket; reading is line-oriented (newline-delimited JSON).
final class UnixStream: @unchecked Sendable {
    // @unchecked: the buffer is only touched by the single thread that owns reads, which is also the only one
    // that closes; writes are serialised by `writeLock` and `close()` changes `fd` under it, so no write can reach
    // a descriptor number that was closed and reused meanwhile.
    private(set) var fd: Int32
    private var buffer: [UInt8] = []
    private let writeLock = Mutex<Void>(())

    init(fd: Int32) { self.fd = fd }

    static func connect(path: String) throws -> UnixStream {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(operation: "socket", path: path, code: errno) }
        let result = withSocketAddress(path) { Glibc.connect(fd, $0, $1) }
        guard result == 0 else {
            let code = result == -2 ? ENAMETOOLONG : errno
            Glibc.close(fd)
            throw SocketError(operation: "connect", path: path, code: code)
        }
        return UnixStream(fd: fd)
    }

    var peerCredentials: PeerCredentials? {
        var pid: pid_t = 0, uid: uid_t = 0, gid: gid_t = 0
        guard dho_peer_credentials(fd, &pid, &uid, &gid) == 0 else { return nil }
        return PeerCredentials(pid: pid, uid: uid, gid: gid)
    }

    /// Reads up to the next newline; nil at end of stream. Lines longer than `limit` are an error (a
    /// misbehaving peer must not make us buffer without bound).
    func readLine(limit: Int = UnixStream.lineLimit) throws -> [UInt8]? {
        while true {
            if let line = takeLine() { return line }
            guard buffer.count <= limit else { throw SocketError(operation: "read", path: "control", code: EMSGSIZE) }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SocketError(operation: "read", path: "control", code: errno)
            }
            if count == 0 { return nil }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    static let lineLimit = 1 << 20

    /// A complete line already received (without its newline), if there is one.
    func takeLine() -> [UInt8]? {
        guard let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = Array(buffer[..<newline])
        buffer.removeFirst(newline + 1)
        return line
    }

    /// Bytes received but not yet taken as lines.
    var pendingBytes: Int { buffer.count }

    enum Receipt { case received, wouldBlock, ended }

    /// Appends what the peer has sent so far without waiting; `.ended` at end of stream or on an error.
    func receiveAvailable() -> Receipt {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return .received
            }
            if count == 0 { return .ended }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .ended
        }
    }

    /// Makes a write to a peer that stops reading fail after `seconds` instead of blocking its thread for good.
    func setSendTimeout(seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func write(_ bytes: [UInt8]) throws {
        try writeLock.withLock { _ in
            guard fd >= 0 else { throw SocketError(operation: "write", path: "control", code: EBADF) }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SocketError(operation: "write", path: "control", code: errno)
                }
                offset += written
            }
        }
    }

    /// Wakes a thread blocked in readLine (it then sees end of stream).
    func shutdownBoth() { shutdown(fd, Int32(SHUT_RDWR)) }

    enum Delivery { case sent, notNow, broken }

    /// Writes `bytes` only if that needs no waiting: `.notNow` when another thread is writing (nothing was
    /// sent), `.broken` when the peer's buffer is full or gone (part of the line may have been sent, so the
    /// stream is no longer usable). For the daemon's single I/O thread, which must never block on one peer.
    func writeWithoutWaiting(_ bytes: [UInt8]) -> Delivery {
        writeLock.withLockIfAvailable { _ -> Delivery in
            guard fd >= 0 else { return .broken }
            let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            return written == bytes.count ? .sent : .broken
        } ?? .notNow
    }

    /// Releases the descriptor now rather than when the last holder lets go (the daemon frees descriptors
    /// for new connections this way); later writes fail with EBADF.
    func close() {
        writeLock.withLock { _ in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }
}

/// Calls `body` with a sockaddr_un for `path`; returns -2 when the path does not fit.
func withSocketAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard bytes.count < capacity else { return -2 }
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
        for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        buffer[bytes.count] = 0
    }
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}
