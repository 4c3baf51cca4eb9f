import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The control socket's one thread: polls the listener and every connection, reads without blocking, hands
/// complete lines to the connection's session, and enforces `ControlServer.Limits`.
///
/// A thread per connection (as before) let 1,100 idle connections take 1,003 threads and every file descriptor,
/// after which accept failed with EMFILE and the interface was gone until a restart. Here the thread count is
/// fixed, connections are bounded, idle ones are closed, and a descriptor shortage only pauses accepting.
final class ControlEventLoop: @unchecked Sendable {
    // @unchecked: `connections` and the burst-log times are touched only by the thread running `run()`;
    // `stop()` (any thread) only sets the atomic flag and shuts the listener down.
    private let listener: Int32
    private let policy: ControlAccessPolicy
    private let handler: any ControlCommandHandler
    private let logger: Logger
    private let limits: ControlServer.Limits
    private let stopped = Atomic<Bool>(false)
    private var connections: [Connection] = []
    private var acceptPausedUntil: ContinuousClock.Instant?
    private var shortageLog = BurstLog()
    private var limitLog = BurstLog()

    /// How long accepting pauses when the process is out of descriptors and no idle connection can be closed.
    private static let shortagePause: Duration = .milliseconds(100)
    /// A peer that stops reading makes the writing command task give up after this, not block for good.
    private static let sendTimeoutSeconds = 5

    private final class Connection {
        let stream: UnixStream
        let session: ControlSession
        /// Last complete request or prompt answer, or last moment a command was running.
        var lastActivity: ContinuousClock.Instant

        init(stream: UnixStream, session: ControlSession, now: ContinuousClock.Instant) {
            self.stream = stream
            self.session = session
            lastActivity = now
        }
    }

    init(listener: Int32, policy: ControlAccessPolicy, handler: any ControlCommandHandler, logger: Logger,
         limits: ControlServer.Limits) {
        self.listener = listener
        self.policy = policy
        self.handler = handler
        self.logger = logger
        self.limits = limits
    }

    func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        shutdown(listener, Int32(SHUT_RDWR))  // wakes poll; the loop closes the descriptor itself
    }

    func run() {
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let now = ContinuousClock.now
            let accepting = acceptPausedUntil.map { now >= $0 } ?? true
            let polled = connections
            var fds = polled.map { pollfd(fd: $0.stream.fd, events: Int16(POLLIN), revents: 0) }
            if accepting { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            // Ticks drive idle timeouts and the end of a pause. With nothing connected there is nothing to time:
            // the loop sleeps until a client connects or `stop()` shuts the listener down (which wakes poll), so
            // an idle hub is not woken every second (issue 16).
            let tick: Int32 = accepting ? (polled.isEmpty ? -1 : 250) : 20
            let ready = poll(&fds, nfds_t(fds.count), tick)
            if ready < 0, errno != EINTR {
                logger.error("control socket: poll failed: \(String(cString: strerror(errno)))")
                usleep(100_000)
                continue
            }
            if ready > 0 {
                for (index, connection) in polled.enumerated() where fds[index].revents != 0 { receive(connection) }
                if accepting, let last = fds.last, last.revents != 0 { acceptPending() }
            }
            closeIdleConnections()
        }
        connections.forEach(drop)
        Glibc.close(listener)
    }

    // MARK: reading

    private func receive(_ connection: Connection) {
        // A bounded number of chunks per wake-up, so one chatty peer cannot starve the others.
        for _ in 0..<16 {
            let receipt = connection.stream.receiveAvailable()
            while let line = connection.stream.takeLine() {
                guard handle(line, on: connection) else { return drop(connection) }
            }
            if connection.stream.pendingBytes > UnixStream.lineLimit {
                _ = connection.session.sendWithoutWaiting(.failure(id: 0, code: "bad-request", message: "control request line too long"))
                return drop(connection)
            }
            switch receipt {
            case .received: continue
            case .wouldBlock: return
            case .ended: return drop(connection)
            }
        }
    }

    /// False when the connection must close: it does not read the answers it provokes, so its buffer is full.
    private func handle(_ line: [UInt8], on connection: Connection) -> Bool {
        if line.isEmpty { return true }
        let refusal: ControlFrame
        switch ControlLine(decoding: line) {
        case let .request(request):
            connection.lastActivity = .now
            guard connection.session.runningCommands >= limits.commandsPerConnection else {
                connection.session.run(request, handler: handler)
                return true
            }
            refusal = .failure(id: request.id, code: "busy",
                               message: "too many commands at once on one connection (at most \(limits.commandsPerConnection))")
        case let .answer(answer):
            connection.lastActivity = .now
            connection.session.deliver(answer)
            return true
        case .malformed:
            refusal = .failure(id: 0, code: "bad-request", message: "malformed control request (expected one JSON object per line)")
        }
        // Written here, on the I/O thread, so it must not wait: a peer whose buffer is full is closed.
        return connection.session.sendWithoutWaiting(refusal) != .broken
    }

    // MARK: accepting

    private func acceptPending() {
        var retriedAfterShortage = false
        for _ in 0..<64 {
            let client = accept(listener, nil, nil)
            if client >= 0 {
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                admit(UnixStream(fd: client))
                continue
            }
            switch errno {
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                // Out of descriptors (ours or the system's). Closing the longest-idle connection frees one for
                // the newcomer; with none to close, pause briefly rather than spin on a listener that stays ready.
                let idle = longestIdle()
                shortageLog.note(logger, "control socket: cannot accept a connection: \(String(cString: strerror(errno)))"
                                     + (idle == nil ? "; pausing new connections briefly" : "; closing the longest-idle connection"))
                if let idle, !retriedAfterShortage {
                    retriedAfterShortage = true
                    drop(idle)
                    continue
                }
                acceptPausedUntil = .now + Self.shortagePause
                return
            default:
                return  // EAGAIN: nothing more waiting; EINVAL: stop() shut the listener down
            }
        }
    }

    private func admit(_ stream: UnixStream) {
        stream.setSendTimeout(seconds: Self.sendTimeoutSeconds)
        guard let peer = stream.peerCredentials, policy.permits(peer) else {
            logger.notice("control socket: refused a connection from an unauthorised user",
                          metadata: ["uid": "\(stream.peerCredentials.map { String($0.uid) } ?? "?")"])
            _ = stream.writeWithoutWaiting(ControlCoding.encodeLine(
                ControlFrame.failure(id: 0, code: ControlError.notAuthorised.code, message: ControlError.notAuthorised.message)))
            return
        }
        if connections.count >= limits.maximumConnections {
            let idle = longestIdle()
            limitLog.note(logger, "control socket: \(limits.maximumConnections) connections open, the limit"
                              + (idle == nil ? "; refusing new ones as busy" : "; closing the longest-idle ones"))
            guard let idle else {
                _ = stream.writeWithoutWaiting(ControlCoding.encodeLine(ControlFrame.failure(
                    id: 0, code: "busy", message: "the gateway is busy with other control connections; try again shortly")))
                return
            }
            drop(idle)
        }
        connections.append(Connection(stream: stream, session: ControlSession(stream: stream, peer: peer), now: .now))
    }

    // MARK: closing

    private func closeIdleConnections() {
        let now = ContinuousClock.now
        for connection in connections {
            if connection.session.runningCommands > 0 {
                connection.lastActivity = now  // the idle time starts when the last command has answered
            } else if now - connection.lastActivity >= limits.idleTimeout {
                drop(connection)
            }
        }
    }

    private func longestIdle() -> Connection? {
        connections.filter { $0.session.runningCommands == 0 }.min { $0.lastActivity < $1.lastActivity }
    }

    /// Closes at once: shutting down first wakes a command task blocked writing to this peer, so that closing
    /// (which waits for the write lock) does not wait out its send timeout.
    private func drop(_ connection: Connection) {
        connections.removeAll { $0 === connection }
        connection.stream.shutdownBoth()
        connection.session.end()
        connection.stream.close()
    }
}

/// Logs the first event of a burst and stays quiet until events have stopped for a while, so a flood of
/// connections or descriptor failures makes one line, not thousands.
private struct BurstLog {
    private var lastEvent: ContinuousClock.Instant?
    private static let quietPeriod: Duration = .seconds(10)

    mutating func note(_ logger: Logger, _ message: @autoclosure () -> String) {
        let now = ContinuousClock.now
        defer { lastEvent = now }
        if let lastEvent, now - lastEvent < Self.quietPeriod { return }
        logger.warning("\(message())")
    }
}
