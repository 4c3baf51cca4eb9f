import Logging
import ServiceLifecycle

/// Follows bluetoothd and visits the provisioned devices until the daemon stops; then ends the visits and
/// commits the readings in flight (`DeviceSupervisor.stop`) before maintenance and forwarding stop.
struct DeviceSupervisorService: Service {
    let supervisor: DeviceSupervisor
    let startup: StartupSequence
    let logger: Logger

    func run() async throws {
        await supervisor.start()
        startup.started(.deviceSupervisor)
        await untilShutdown()
        await supervisor.stop()
        logger.serviceStopped(.deviceSupervisor)
    }
}
