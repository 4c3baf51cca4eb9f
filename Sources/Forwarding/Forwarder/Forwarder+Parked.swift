import Foundation
import HealthProfiles

/// Parked items get a second chance when the reason for the rejection may have gone away.
///
/// A receiver that answers 400 to everything for a while (a bad deployment at the centre, a profile it does
/// not know yet) parks every item it sees, red readings included; once it is fixed, nothing would ever send
/// them again. So `run` requeues parked items
/// - parked under another context (`ForwarderConfiguration.parkContext`: the receiver's URL, token, TLS files
///   or the gateway's software version changed since), at once;
/// - parked longer than `parkedRetryInterval` ago, slowly and for ever: an item the receiver still rejects is
///   parked again, with its new answer, and tried again an interval later.
/// The technician can also requeue them by hand (`dhoctl parked resend`).
extension Forwarder {
    func requeueParkedWhenDue() async {
        guard configuration.parkContext != nil || configuration.parkedRetryInterval != nil else { return }
        let now = clock.now()
        // At the start (the context can only change with a restart), then once per interval (at most a minute
        // apart, so an item parked just after a check is not left for nearly two intervals): `run` calls this
        // at every wake, and it used to be a write transaction ahead of every reading's send.
        if let next = nextParkedRequeue, now < next { return }
        nextParkedRequeue = configuration.parkedRetryInterval.map { now.addingTimeInterval(min($0.inSeconds, 60)) }
            ?? .distantFuture
        let parkedBefore = configuration.parkedRetryInterval.map { now.addingTimeInterval(-$0.inSeconds) }
            ?? .distantPast
        do {
            let requeued = try await store.requeueParked(
                parkedBefore: parkedBefore, orContextOtherThan: configuration.parkContext, now: now)
            guard requeued > 0 else { return }
            logger.notice(
                "sending parked items again: the receiver settings or the software changed, or they were parked a retry interval ago",
                metadata: ["items": "\(requeued)"])
            await parkedChanged?()
        } catch {
            logger.error("cannot requeue parked items", metadata: ["error": "\(error)"])
        }
    }
}
