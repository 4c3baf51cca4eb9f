import CSystemShims
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
/// One thread (`ControlEventLoop`) accepts and reads every connection without blocking; commands run as tasks.
/// Any local technician (or a runaway script) can open connections, so their number, their idle time and what
/// each may start at once are bounded (`Limits`), and running out of file descriptors pauses accepting instead
/// of ending it: the interface stays usable, and the daemon's thread count stays flat, whatever is connected.
public final class ControlServer: Sendable {
    public struct Limits: Sendable {
        /// Connections served at once; past it the longest-idle one is closed, or the newcomer told "busy".
        public var maximumConnections: Int
        /// A connection that sends no complete request (or prompt answer) for this long, with no command
        /// running, is closed.
        public var idleTimeout: Duration
        /// Commands one connection may have running at once (dhoctl sends one).
        public var commandsPerConnection: Int

        public init(maximumConnections: Int = 32, idleTimeout: Duration = .seconds(5), commandsPerConnection: Int = 4) {
            self.maximumConnections = maximumConnections
            self.idleTimeout = idleTimeout
            self.commandsPerConnection = commandsPerConnection
        }
    }

    public let path: String
    private let policy: ControlAccessPolicy
    private let handler: any ControlCommandHandler
    private let logger: Logger
    private let limits: Limits
    private let loop = Mutex<ControlEventLoop?>(nil)

    public init(path: String, policy: ControlAccessPolicy, handler: any ControlCommandHandler, logger: Logger,
                limits: Limits = Limits()) {
        self.path = path
        self.policy = policy
        self.handler = handler
        self.logger = logger
        self.limits = limits
    }

    /// Binds the socket (mode 0660, group = technicians group when it exists) and starts accepting.
    public func start() throws {
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(AF_UNIX, flags, 0)
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
        guard listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw SocketError(operation: "listen", path: path, code: code)
        }
        let eventLoop = ControlEventLoop(
            listener: fd, policy: policy, handler: handler, logger: logger, limits: limits)
        loop.withLock { $0 = eventLoop }
        // Named from inside: Foundation's `Thread.name`, set before `start()`, never reaches the OS thread, which
        // would keep the name of whichever dispatch worker created it.
        let thread = Thread {
            dho_name_current_thread("control-io")
            eventLoop.run()
        }
        thread.start()
    }

    /// Stops accepting and removes the socket node; the loop then closes the listener and every connection
    /// (their running commands are cancelled).
    public func stop() {
        guard let eventLoop = loop.withLock({ state -> ControlEventLoop? in defer { state = nil }; return state }) else { return }
        eventLoop.stop()
        unlink(path)
    }
}

/// One technician's connection: runs their commands and carries prompts back to them.
public final class ControlSession: Sendable {
    public let peer: PeerCredentials
    private let stream: UnixStream
    private struct State {
        var prompts: [Int: CheckedContinuation<String?, Never>] = [:]
        var tasks: [Int: Task<Void, Never>] = [:]
        /// Counted apart from `tasks`: a command can finish before its task is registered there.
        var running = 0
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

    /// `send` for the I/O thread: never waits (see `UnixStream.writeWithoutWaiting`).
    func sendWithoutWaiting(_ frame: ControlFrame) -> UnixStream.Delivery {
        stream.writeWithoutWaiting(ControlCoding.encodeLine(frame))
    }

    /// Commands started on this connection that have not answered yet.
    var runningCommands: Int { state.withLock { $0.running } }

    func run(_ request: ControlRequest, handler: any ControlCommandHandler) {
        state.withLock { $0.running += 1 }
        let task = Task { [self] in
            do throws(ControlError) {
                let value = try await handler.handle(request, session: self)
                send(.result(id: request.id, value: value))
            } catch {
                send(.failure(id: request.id, code: error.code, message: error.message))
            }
            state.withLock { state in
                state.running -= 1
                state.tasks.removeValue(forKey: request.id)
            }
        }
        state.withLock { $0.tasks[request.id] = task }  // for end(); a finished one left here is cancelled harmlessly
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
