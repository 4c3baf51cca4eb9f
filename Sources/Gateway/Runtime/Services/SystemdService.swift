import Logging
import ServiceLifecycle

/// The daemon's side of systemd's Type=notify contract: READY=1 once every service is up, watchdog pings
/// while the database and the device supervisor answer, and STOPPING=1 with the last-resort deadline armed
/// when shutdown begins (it is the last service, so the first one ServiceGroup stops).
struct SystemdService: Service {
    let runtime: GatewayRuntime
    let notifier: SystemdNotifier
    let startup: StartupSequence

    /// Within the unit's TimeoutStopSec (30 s), leaving systemd no reason to SIGKILL the daemon.
    static let shutdownDeadlineSeconds = 25.0

    func run() async throws {
        let startup = startup
        if await cancelWhenGracefulShutdown({ await startup.waitFor([.deviceSupervisor, .controlServer]) }) {
            notifier.ready(status: "collecting readings")
            runtime.logger.notice("DHO Gateway ready", metadata: ["version": "\(GatewayVersion.current)"])
            if let interval = notifier.watchdogInterval {
                await feedWatchdog(every: interval / 3)
            } else {
                await untilShutdown()
            }
        }
        notifier.stopping()
        runtime.logger.notice("shutting down")
        ShutdownDeadline.arm(after: Self.shutdownDeadlineSeconds, logger: runtime.logger)
        runtime.logger.serviceStopped(.systemd)
    }

    /// Pings the watchdog only after the database and the device supervisor have answered: a daemon whose
    /// actors are stuck stops pinging and systemd restarts it.
    private func feedWatchdog(every interval: Duration) async {
        repeat {
            if (try? await runtime.store.outboxStatus()) != nil {
                _ = await runtime.supervisor.adapterStatus()
                notifier.watchdogPing()
            }
        } while await pauseUnlessShuttingDown(for: interval)
    }
}
