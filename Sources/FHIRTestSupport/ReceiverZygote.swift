import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One pre-loaded reference receiver per test process (Tests/peers/receiver_zygote.py) that forks a receiver for
/// each strict `ReceiverProcess`. Issue 16: a strict receiver started as its own python3 spent ≈ 0.33 of its
/// CPU-seconds before its announcement, most of it importing `fhir.resources` and building the PHD validators;
/// the zygote does that once, and a forked receiver starts with everything loaded.
final class ReceiverZygote: @unchecked Sendable {
    // @unchecked: `process` and `stdin` are only held after init, never used.
    /// The abstract Unix socket (Linux) the zygote accepts requests on.
    let socketName: String
    // The zygote ends when its stdin reaches end of file: the write end is held here, for the life of the test
    // process, and closes when it exits. The process is never waited for; it outlives nothing.
    private let process: Process
    private let stdin: Pipe

    static let script = URL(fileURLWithPath: ReceiverProcess.script)
        .deletingLastPathComponent().appendingPathComponent("receiver_zygote.py").path

    private static let starter = Starter()

    /// The test process's zygote, started by the first caller.
    static func shared() async throws -> ReceiverZygote { try await starter.zygote() }

    private init(socketName: String, process: Process, stdin: Pipe) {
        self.socketName = socketName
        self.process = process
        self.stdin = stdin
    }

    /// A new zygote (`shared()` is the one receivers use; tests start their own to end it).
    static func start() async throws -> ReceiverZygote {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        let input = Pipe()
        // Only the zygote's stdin may hold the read end's peer: a process another test spawns meanwhile must not
        // inherit the write end, or the zygote would outlive this process until that one ends.
        _ = fcntl(input.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = try await ReceiverProcess.firstLine(of: output.fileHandleForReading,
                                                       whenMissing: "the receiver zygote exited before it started")
        guard let info = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let name = info["socket"] as? String
        else {
            process.terminate()
            throw ReceiverError("the receiver zygote did not announce its socket: \(line)")
        }
        return ReceiverZygote(socketName: name, process: process, stdin: input)
    }

    var processIdentifier: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Closes the zygote's stdin, as this process's exit does: the zygote ends (its receivers do not: each ends
    /// with its own life line).
    func endInput() { try? stdin.fileHandleForWriting.close() }

    /// Forks a receiver with `arguments` (fhir_receiver.py's command line). Answers its announcement line and the
    /// connection that keeps it alive: closing that descriptor (or this process ending) ends the receiver.
    func spawn(arguments: [String]) async throws -> (announcement: String, lifeLine: Int32) {
        let request = try JSONSerialization.data(withJSONObject: arguments) + Data("\n".utf8)
        let name = socketName
        // Connect, write and read block: on a dedicated thread, not the concurrency pool's few.
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try Self.exchange(request, socketName: name) })
            }.start()
        }
    }

    private static func exchange(_ request: Data, socketName: String) throws -> (announcement: String, lifeLine: Int32) {
        // CLOEXEC: a daemon or tool the test starts later must not inherit the life line and keep the receiver up.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ReceiverError("socket: \(String(cString: strerror(errno)))") }
        var handedOver = false
        defer { if !handedOver { close(fd) } }

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = [UInt8(0)] + Array(socketName.utf8)  // abstract: a leading NUL, no terminator
        guard path.count <= MemoryLayout.size(ofValue: address.sun_path) else {
            throw ReceiverError("the zygote's socket name is too long: \(socketName)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard connected == 0 else {
            throw ReceiverError("connecting to the receiver zygote: \(String(cString: strerror(errno)))")
        }

        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { throw ReceiverError("sending to the receiver zygote failed") }

        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = recv(fd, &byte, 1, 0)
            if count < 0, errno == EINTR { continue }
            guard count == 1 else {
                throw ReceiverError(
                    "the receiver exited before it started (strict mode needs fhir.resources: scripts/ensure-deps)")
            }
            if byte == 0x0A { break }
            line.append(byte)
        }
        handedOver = true
        return (String(decoding: line, as: UTF8.self), fd)
    }

    /// Starts the zygote once; later callers wait for that start and share its outcome.
    private actor Starter {
        private var starting: Task<ReceiverZygote, any Error>?

        func zygote() async throws -> ReceiverZygote {
            if let starting { return try await starting.value }
            let task = Task { try await ReceiverZygote.start() }
            starting = task
            return try await task.value
        }
    }
}
