import Foundation
import Logging
public import ServiceLifecycle

/// The daemon as one ServiceLifecycle service: starts the runtime's loops, tells systemd it is ready, feeds
/// the watchdog while the loops respond, and on SIGTERM stops accepting new work and closes in order.
public struct GatewayService: Service {
    let runtime: GatewayRuntime
    let control: ControlServer
    let notifier: SystemdNotifier

    public init(runtime: GatewayRuntime, control: ControlServer, notifier: SystemdNotifier) {
        self.runtime = runtime
        self.control = control
        self.notifier = notifier
    }

    public func run() async throws {
        let runtime = runtime
        let notifier = notifier
        try control.start()
        await withDiscardingTaskGroup { group in
            group.addTask { await runtime.forwarder.run() }
            group.addTask {
                let alerts = runtime.configuration.alerts
                await MaintenanceLoop(
                    runtime: runtime, interval: alerts.scheduleCheckInterval,
                    forwardingAlarmAfter: alerts.forwardingFailingAfter / .seconds(1)
                ).run()
            }
            group.addTask { await runtime.centreReports.run() }
            if let centrePlans = runtime.centrePlans {
                group.addTask { await centrePlans.run() }
            }
            if let interval = notifier.watchdogInterval {
                group.addTask { await Self.feedWatchdog(runtime: runtime, notifier: notifier, every: interval / 3) }
            }
            notifier.ready(status: "collecting readings")
            runtime.logger.notice("DHO Gateway ready", metadata: ["version": "\(GatewayVersion.current)"])
            try? await gracefulShutdown()
            notifier.stopping()
            runtime.logger.notice("shutting down")
            ShutdownDeadline.arm(after: Self.shutdownDeadlineSeconds, logger: runtime.logger)
            control.stop()
            group.cancelAll()
        }
        runtime.logger.debug("shutdown: forwarder and maintenance stopped")
        await runtime.shutdown()
    }

    /// Within the unit's TimeoutStopSec (30 s), leaving systemd no reason to SIGKILL the daemon.
    static let shutdownDeadlineSeconds = 25.0

    /// Pings the watchdog only after the database and the device supervisor have answered: a daemon whose
    /// actors are stuck stops pinging and systemd restarts it.
    static func feedWatchdog(runtime: GatewayRuntime, notifier: SystemdNotifier, every interval: Duration) async {
        while !Task.isCancelled {
            if (try? await runtime.store.outboxStatus()) != nil {
                _ = await runtime.supervisor.adapterStatus()
                notifier.watchdogPing()
            }
            try? await Task.sleep(for: interval)
        }
    }
}
