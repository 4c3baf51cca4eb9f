import CDBus
import Glibc
import Synchronization

/// The one thread that owns a libdbus connection.
///
/// libdbus is only safe to drive from one thread at a time, and a thread blocked in
/// `dbus_connection_read_write_dispatch` is not woken when another thread queues a message. So every
/// libdbus call for a connection runs here: other threads hand over closures (`enqueue`) and wake the
/// thread through an eventfd. libdbus's sockets and timers are integrated through its watch and timeout
/// hooks into one `poll(2)`, so the thread sleeps until there is real work; nothing polls busily.
final class EventLoop: @unchecked Sendable {
    // @unchecked: `queue` is guarded by its Mutex; every other stored property is touched only on the
    // loop thread (from `run` and from the libdbus callbacks it triggers).
    typealias Job = @Sendable () -> Void

    private struct Queue {
        var jobs: [Job] = []
        var accepting = true
    }

    private let queue = Mutex(Queue())
    private let wakeFD: Int32

    private var watches: [OpaquePointer] = []
    private var timeouts: [TimeoutEntry] = []
    private var running = true
    private var threadName = "dbus"
    /// Called on the loop thread at every iteration before sleeping, to let the connection dispatch.
    var beforeSleep: (() -> Void)?

    private struct TimeoutEntry {
        let timeout: OpaquePointer
        var deadline: ContinuousClock.Instant?
    }

    init() throws(DBusError) {
        let fd = cdbus_eventfd()
        guard fd >= 0 else { throw .connectionFailed("eventfd failed: errno \(errno)") }
        wakeFD = fd
    }

    deinit {
        close(wakeFD)
    }

    /// Starts the loop thread. The thread keeps the loop alive until `stop` has run.
    func start(threadName: String) throws(DBusError) {
        self.threadName = String(threadName.prefix(15))
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let loop = Unmanaged<EventLoop>.fromOpaque(raw).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<EventLoop>.fromOpaque(context).release()
            throw .connectionFailed("could not start the D-Bus thread (error \(status))")
        }
        pthread_detach(thread)
    }

    /// Hands `job` to the loop thread. Returns false when the loop has stopped (the job is dropped).
    @discardableResult
    func enqueue(_ job: @escaping Job) -> Bool {
        queue.withLock { queue in
            guard queue.accepting else { return false }
            queue.jobs.append(job)
            // Written under the lock so that a stopping loop never sees a wake-up race.
            var one: UInt64 = 1
            _ = write(wakeFD, &one, MemoryLayout<UInt64>.size)
            return true
        }
    }

    /// Stops accepting jobs; runs the ones already queued, then `finally`, then ends the thread.
    /// Returns false (and drops `finally`) when the loop was already stopping.
    @discardableResult
    func stop(finally: @escaping Job) -> Bool {
        queue.withLock { queue in
            guard queue.accepting else { return false }
            queue.jobs.append(finally)
            queue.jobs.append { [unowned self] in self.running = false }
            queue.accepting = false
            var one: UInt64 = 1
            _ = write(wakeFD, &one, MemoryLayout<UInt64>.size)
            return true
        }
    }

    private func run() {
        cdbus_name_current_thread(threadName)
        while running {
            runQueuedJobs()
            guard running else { break }
            beforeSleep?()
            waitAndHandleEvents()
        }
        beforeSleep = nil
    }

    private func runQueuedJobs() {
        let jobs = queue.withLock { queue in
            let jobs = queue.jobs
            queue.jobs.removeAll(keepingCapacity: true)
            return jobs
        }
        for job in jobs { job() }
    }

    private func waitAndHandleEvents() {
        var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        var polledWatches: [OpaquePointer] = []
        for watch in watches where dbus_watch_get_enabled(watch) != 0 {
            let flags = dbus_watch_get_flags(watch)
            var events: Int16 = 0
            if flags & DBUS_WATCH_READABLE.rawValue != 0 { events |= Int16(POLLIN) }
            if flags & DBUS_WATCH_WRITABLE.rawValue != 0 { events |= Int16(POLLOUT) }
            fds.append(pollfd(fd: dbus_watch_get_unix_fd(watch), events: events, revents: 0))
            polledWatches.append(watch)
        }
        let ready = poll(&fds, nfds_t(fds.count), nextTimeoutMilliseconds())
        if ready < 0 { return }  // EINTR: just go round again

        if fds[0].revents != 0 {
            var counter: UInt64 = 0
            _ = read(wakeFD, &counter, MemoryLayout<UInt64>.size)
        }
        for (index, watch) in polledWatches.enumerated() {
            let revents = fds[index + 1].revents
            guard revents != 0 else { continue }
            // A handler may have removed (and freed) a watch earlier in this round.
            guard watches.contains(watch) else { continue }
            var flags: UInt32 = 0
            if revents & Int16(POLLIN) != 0 { flags |= DBUS_WATCH_READABLE.rawValue }
            if revents & Int16(POLLOUT) != 0 { flags |= DBUS_WATCH_WRITABLE.rawValue }
            if revents & Int16(POLLERR) != 0 { flags |= DBUS_WATCH_ERROR.rawValue }
            if revents & Int16(POLLHUP) != 0 { flags |= DBUS_WATCH_HANGUP.rawValue }
            dbus_watch_handle(watch, flags)
        }
        fireDueTimeouts()
    }

    private func nextTimeoutMilliseconds() -> Int32 {
        let deadlines = timeouts.compactMap(\.deadline)
        guard let earliest = deadlines.min() else { return -1 }
        let remaining = ContinuousClock.now.duration(to: earliest)
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    private func fireDueTimeouts() {
        let now = ContinuousClock.now
        let due = timeouts.filter { entry in entry.deadline.map { $0 <= now } ?? false }.map(\.timeout)
        for timeout in due {
            guard let index = timeouts.firstIndex(where: { $0.timeout == timeout }) else { continue }
            // libdbus timeouts repeat until removed or disabled.
            timeouts[index].deadline = EventLoop.deadline(for: timeout)
            dbus_timeout_handle(timeout)
        }
    }

    private static func deadline(for timeout: OpaquePointer) -> ContinuousClock.Instant? {
        guard dbus_timeout_get_enabled(timeout) != 0 else { return nil }
        return ContinuousClock.now.advanced(by: .milliseconds(Int(dbus_timeout_get_interval(timeout))))
    }

    // MARK: libdbus hooks (always invoked on the loop thread, from calls made on it)

    /// Installs the watch, timeout and wake-up hooks on `connection`.
    func attach(_ connection: OpaquePointer) -> Bool {
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard dbus_connection_set_watch_functions(connection, { watch, data in
            guard let watch, let data else { return 0 }
            Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue().watches.append(watch)
            return 1
        }, { watch, data in
            guard let watch, let data else { return }
            Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue().watches.removeAll { $0 == watch }
        }, { _, _ in
            // Enabled state is re-read before every poll; nothing to do.
        }, me, nil) != 0 else { return false }

        guard dbus_connection_set_timeout_functions(connection, { timeout, data in
            guard let timeout, let data else { return 0 }
            let loop = Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue()
            loop.timeouts.append(TimeoutEntry(timeout: timeout, deadline: EventLoop.deadline(for: timeout)))
            return 1
        }, { timeout, data in
            guard let timeout, let data else { return }
            Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue().timeouts.removeAll { $0.timeout == timeout }
        }, { timeout, data in
            guard let timeout, let data else { return }
            let loop = Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue()
            if let index = loop.timeouts.firstIndex(where: { $0.timeout == timeout }) {
                loop.timeouts[index].deadline = EventLoop.deadline(for: timeout)
            }
        }, me, nil) != 0 else { return false }

        let wake: @convention(c) (UnsafeMutableRawPointer?) -> Void = { data in
            guard let data else { return }
            Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue().wakeUp()
        }
        dbus_connection_set_wakeup_main_function(connection, wake, me, nil)
        dbus_connection_set_dispatch_status_function(connection, { _, _, data in
            guard let data else { return }
            Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue().wakeUp()
        }, me, nil)
        return true
    }

    /// Removes the hooks again (before the connection is released).
    func detach(_ connection: OpaquePointer) {
        dbus_connection_set_watch_functions(connection, nil, nil, nil, nil, nil)
        dbus_connection_set_timeout_functions(connection, nil, nil, nil, nil, nil)
        dbus_connection_set_wakeup_main_function(connection, nil, nil, nil)
        dbus_connection_set_dispatch_status_function(connection, nil, nil, nil)
        watches.removeAll()
        timeouts.removeAll()
    }

    private func wakeUp() {
        queue.withLock { _ in
            var one: UInt64 = 1
            _ = write(wakeFD, &one, MemoryLayout<UInt64>.size)
        }
    }
}
