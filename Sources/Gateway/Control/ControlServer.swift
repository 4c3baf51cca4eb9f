import Foundation
public import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Executes one control command; may talk back to the technician through the session while it runs.
public protocol ControlCommandHandler: Sendable {
    func handle(_ request: ControlRequest, session: ControlSession) async throws(ControlError) -> JSONValue
}

/// The daemon's end of the control socket (`dhoctl` is the other end).
///
/// Accepting and reading happen on dedicated threads with blocking calls: the Swift concurrency pool has
/// one thread per core (two on a hub) and must never be blocked by a technician's idle terminal.
public final class ControlServer: Sendable {
    public let path: String
    private let policy: ControlAccessPolicy
    private let handler: any ControlCommandHandler
    private let logger: Logger
    private let listener = Mutex<Int32?>(nil)

    public init(path: String, policy: ControlAccessPolicy, handler: any ControlCommandHandler, logger: Logger) {
        self.path = path
        self.policy = policy
        self.handler = handler
        self.logger = logger
    }

    /// Binds the socket (mode 0660, group = technicians group when it exists) and starts accepting.
    public func start() throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(operation: "socket", path: path, code: errno) }
        // A stale socket from a previous run (kill -9) would make bind fail; remove only a socket node.
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK { unlink(path) }
        let bound = withSocketAddress(path) { bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = bound == -2 ? ENAMETOOLONG : errno
            close(fd)
            throw SocketError(operation: "bind", path: path, code: code)
        }
        if let group = policy.technicianGroup, let gid = ControlAccessPolicy.groupID(named: group),
           chown(path, UInt32.max, gid) != 0 {
            logger.warning("control socket: cannot hand the socket to group \(group): \(String(cString: strerror(errno)))")
        }
        chmod(path, 0o660)
        guard listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw SocketError(operation: "listen", path: path, code: code)
        }
        listener.withLock { $0 = fd }
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "control-accept"
        thread.start()
    }

    /// Stops accepting, closes the listening socket and removes its node. Open sessions end when their
    /// clients disconnect or their current command completes.
    public func stop() {
        guard let fd = listener.withLock({ state -> Int32? in defer { state = nil }; return state }) else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }

    private func acceptLoop(_ fd: Int32) {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return  // listener closed by stop()
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let stream = UnixStream(fd: client)
            let thread = Thread { [self] in serve(stream) }
            thread.name = "control-session"
            thread.start()
        }
    }

    private func serve(_ stream: UnixStream) {
        guard let peer = stream.peerCredentials, policy.permits(peer) else {
            logger.notice("control socket: refused a connection from an unauthorised user",
                          metadata: ["uid": "\(stream.peerCredentials.map { String($0.uid) } ?? "?")"])
            try? stream.write(ControlCoding.encodeLine(
                ControlFrame.failure(id: 0, code: ControlError.notAuthorised.code, message: ControlError.notAuthorised.message)))
            return
        }
        let session = ControlSession(stream: stream, peer: peer)
        defer { session.end() }
        while let line = try? stream.readLine() {
            if line.isEmpty { continue }
            switch ControlLine(decoding: line) {
            case let .request(request): session.run(request, handler: handler, logger: logger)
            case let .answer(answer): session.deliver(answer)
            case .malformed:
                session.send(.failure(id: 0, code: "bad-request", message: "malformed control request (expected one JSON object per line)"))
            }
        }
    }
}

/// One technician's connection: runs their commands and carries prompts back to them.
public final class ControlSession: Sendable {
    public let peer: PeerCredentials
    private let stream: UnixStream
    private struct State {
        var prompts: [Int: CheckedContinuation<String?, Never>] = [:]
        var tasks: [Int: Task<Void, Never>] = [:]
        var ended = false
    }
    private let state = Mutex(State())

    init(stream: UnixStream, peer: PeerCredentials) {
        self.stream = stream
        self.peer = peer
    }

    /// Asks the technician a question for request `id`; nil when they cancel or disconnect, or when the
    /// asking task is cancelled (bluetoothd gave up on the pairing).
    public func prompt(id: Int, kind: PromptKind, message: String) async -> String? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ended = state.withLock { state -> Bool in
                    // Cancelled before registering: onCancel found nothing to answer, so answer here.
                    if state.ended || Task.isCancelled { return true }
                    state.prompts[id]?.resume(returning: nil)
                    state.prompts[id] = continuation
                    return false
                }
                if ended { continuation.resume(returning: nil) } else { send(.prompt(id: id, kind: kind, message: message)) }
            }
        } onCancel: {
            deliver(PromptAnswer(id: id, answer: nil))
        }
    }

    /// Sends an intermediate line (e.g. a device found while scanning).
    public func progress(id: Int, message: String, detail: JSONValue? = nil) {
        send(.progress(id: id, message: message, detail: detail))
    }

    func send(_ frame: ControlFrame) {
        try? stream.write(ControlCoding.encodeLine(frame))
    }

    func run(_ request: ControlRequest, handler: any ControlCommandHandler, logger: Logger) {
        let task = Task { [self] in
            do throws(ControlError) {
                let value = try await handler.handle(request, session: self)
                send(.result(id: request.id, value: value))
            } catch {
                send(.failure(id: request.id, code: error.code, message: error.message))
            }
            _ = state.withLock { $0.tasks.removeValue(forKey: request.id) }
        }
        state.withLock { $0.tasks[request.id] = task }
    }

    func deliver(_ answer: PromptAnswer) {
        state.withLock { $0.prompts.removeValue(forKey: answer.id) }?.resume(returning: answer.answer)
    }

    /// The client went away: cancel what it started and answer its open prompts with "cancelled".
    func end() {
        let (prompts, tasks) = state.withLock { state in
            state.ended = true
            defer { state.prompts = [:]; state.tasks = [:] }
            return (Array(state.prompts.values), Array(state.tasks.values))
        }
        prompts.forEach { $0.resume(returning: nil) }
        tasks.forEach { $0.cancel() }
    }
}
