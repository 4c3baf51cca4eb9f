import Forwarding
import Logging
import ServiceLifecycle

/// Delivers the outbox until the daemon stops; then finishes the batch it is posting, so that the centre's
/// answer is recorded (cancelling instead could leave a delivered batch unrecorded and sent again).
struct ForwarderService: Service {
    let forwarder: Forwarder
    let logger: Logger

    /// A receiver that does not answer within this is left to the process's exit: its batch stays in flight
    /// and is sent again at the next start (the receiver's conditional create absorbs the copy).
    static let inFlightGrace: Duration = .seconds(10)

    func run() async throws {
        let forwarder = forwarder
        let delivery = Task { await forwarder.run() }
        await untilShutdown()
        forwarder.finish()
        if await !allEnded([delivery], within: Self.inFlightGrace) {
            logger.warning("the centre did not answer the batch in flight before shutdown; it is sent again at the next start")
        }
        logger.serviceStopped(.forwarder)
    }
}
