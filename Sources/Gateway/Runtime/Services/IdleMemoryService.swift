import Logging
import ServiceLifecycle

/// How the daemon gives memory back when it falls idle. The daemon's executable passes its own (which unmaps code
/// pages left resident by start-up and by a load: `CDaemonMemory`); the library cannot, because every process that
/// links it would get the malloc settings that come with it.
public struct IdleMemoryRelease: Sendable {
    /// Releases what it can and returns the kilobytes given back, or nil when it could not look.
    let release: @Sendable () -> Int?

    public init(_ release: @escaping @Sendable () -> Int?) {
        self.release = release
    }
}

/// Gives memory back once the daemon is up and after every visit (issue 16: 49 MB resident while idle, 44.5 MB of
/// it library and executable pages touched once at start-up or during the visit's work). A visit's end is when a
/// hub falls idle: its device has hung up or fallen quiet, and its readings are stored — unless another device's
/// visit is still running, whose end then releases. Nothing else wakes it: it waits on the supervisor's visit
/// outcomes, which cost no timer.
struct IdleMemoryService: Service {
    let supervisor: DeviceSupervisor
    let startup: StartupSequence
    let memory: IdleMemoryRelease
    let logger: Logger

    func run() async throws {
        let startup = startup
        let outcomes = await supervisor.visitOutcomes()
        if await cancelWhenGracefulShutdown({ await startup.waitFor([.deviceSupervisor, .controlServer]) }) {
            release(after: "start-up")
            for await _ in outcomes.cancelOnGracefulShutdown() {
                // Not while another device's visit runs: the hub is not idle, and that visit's frames would fault
                // the pages straight back in, on the way to the store (issue 16: latency). The last visit to end
                // releases.
                guard await !supervisor.deviceStatuses().contains(where: \.visiting) else {
                    logger.debug("idle memory not released: a visit is still running")
                    continue
                }
                release(after: "a visit")
            }
        }
        logger.serviceStopped(.idleMemory)
    }

    private func release(after event: String) {
        guard let kilobytes = memory.release() else {
            return logger.debug("idle memory not released: /proc/self/smaps unreadable")
        }
        logger.debug("idle memory released after \(event): \(kilobytes) KB of unused code pages unmapped")
    }
}
