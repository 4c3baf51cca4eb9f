import Logging
import ServiceLifecycle

/// The control socket, opened once the device supervisor is up (its commands pair, visit and reload devices)
/// and closed first on shutdown, so that no technician's command starts device work that is being stopped.
struct ControlService: Service {
    let control: ControlServer
    let startup: StartupSequence
    let logger: Logger

    func run() async throws {
        let startup = startup
        guard await cancelWhenGracefulShutdown({ await startup.waitFor([.deviceSupervisor]) }) else {
            return logger.serviceStopped(.controlServer)
        }
        do { try control.start() } catch {
            logger.critical("cannot open the control socket; stopping the daemon: \(error)")
            throw ServiceFailure(service: .controlServer, reason: "cannot open the control socket: \(error)")
        }
        startup.started(.controlServer)
        await untilShutdown()
        control.stop()
        logger.serviceStopped(.controlServer)
    }
}
