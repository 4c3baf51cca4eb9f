import HealthProfiles
import Logging
public import ServiceLifecycle

/// The daemon's long-running parts, one ServiceLifecycle service each, in dependency order:
///
///     forwarder → maintenance → centre plans (when configured) → centre reports → device supervisor → control server
///     → idle memory release (when given) → systemd
///
/// The store, triage and the Bluetooth connection are opened before the group (`GatewayRuntime.start`) and
/// closed after it (`GatewayRuntime.shutdown`). ServiceGroup shuts the services down one at a time in reverse
/// order, so on SIGTERM: systemd is told STOPPING=1 (and the last-resort deadline is armed), the control
/// server stops taking commands, the supervisor ends its visits and commits the readings in flight,
/// centre plans and maintenance finish their round (held readings triaged), and the forwarder finishes the
/// batch it is posting; then Bluetooth, the alert hooks and finally the database are closed. A reading
/// committed after the forwarder stopped is safe: it waits in the durable outbox for the next start.
public enum GatewayServices {
    /// `idleMemory`: how to give memory back when the daemon falls idle (`IdleMemoryService`); nil: not done.
    public static func group(runtime: GatewayRuntime, control: ControlServer, notifier: SystemdNotifier,
                             idleMemory: IdleMemoryRelease? = nil) -> ServiceGroup {
        let logger = runtime.logger
        let startup = StartupSequence()
        let alerts = runtime.configuration.alerts
        var services: [(GatewayServiceName, any Service)] = [
            (.forwarder, ForwarderService(forwarder: runtime.forwarder, logger: logger)),
            (.maintenance, MaintenanceLoop(
                runtime: runtime, interval: alerts.scheduleCheckInterval,
                forwardingAlarmAfter: alerts.forwardingFailingAfter.inSeconds)),
        ]
        if let centrePlans = runtime.centrePlans { services.append((.centrePlans, centrePlans)) }
        services.append((.centreReports, runtime.centreReports))
        services += [
            (.deviceSupervisor, DeviceSupervisorService(supervisor: runtime.supervisor, startup: startup, logger: logger)),
            (.controlServer, ControlService(control: control, startup: startup, logger: logger)),
        ]
        if let idleMemory {
            services.append((.idleMemory, IdleMemoryService(
                supervisor: runtime.supervisor, startup: startup, memory: idleMemory, logger: logger)))
        }
        services += [
            (.systemd, SystemdService(runtime: runtime, notifier: notifier, startup: startup)),
        ]
        // A service that ends or throws by itself (only the control server can: its socket cannot be bound)
        // shuts the whole daemon down in order rather than leaving it half alive; main exits non-zero and
        // systemd (Restart=always) starts it again.
        let configurations = services.map { name, service in
            ServiceGroupConfiguration.ServiceConfiguration(
                service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: name.rawValue)
        }
        return ServiceGroup(configuration: ServiceGroupConfiguration(
            services: configurations, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }
}

/// How the services are named in the log ("stopped: control server") and in the start-up sequence.
enum GatewayServiceName: String, Sendable, Hashable {
    case forwarder = "forwarder"
    case maintenance = "maintenance"
    case centrePlans = "centre plan poller"
    case centreReports = "centre reports"
    case deviceSupervisor = "device supervisor"
    case controlServer = "control server"
    case idleMemory = "idle memory release"
    case systemd = "systemd notifier"
}

/// Why a service ended before the daemon was asked to stop.
struct ServiceFailure: Error, CustomStringConvertible {
    let service: GatewayServiceName
    let reason: String
    var description: String { "\(service.rawValue): \(reason)" }
}

extension Logger {
    /// The line each service logs as its last: the journal shows the shutdown order.
    func serviceStopped(_ name: GatewayServiceName) {
        info("stopped: \(name.rawValue)")
    }
}
