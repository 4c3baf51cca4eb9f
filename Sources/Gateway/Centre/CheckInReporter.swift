import Forwarding
import Foundation
import Logging
import ReadingStore
import Triage

/// Tells the centre that the hub is alive, at start-up and every `centre: check-in-interval`: software version,
/// care-plan version in force, queue depth and oldest undelivered (`HubCheckIn`). Each check-in replaces the
/// one still waiting (an offline hub sends its latest, not a pile), and goes out after every waiting reading
/// (background priority): it never delays a reading, a red one or an alert Flag least of all.
struct CheckInReporter {
    let store: ReadingStore
    let triage: Triage
    let mapper: FHIRMapper
    let gatewayID: String
    let interval: Duration
    let wakeForwarder: @Sendable () -> Void
    let logger: Logger

    func run() async {
        repeat {
            await checkIn()
        } while await pauseUnlessShuttingDown(for: interval)
    }

    func checkIn(at time: Date = Date()) async {
        do {
            let backlog = try await store.backlog(excluding: OutboxKind(rawValue: HubCheckIn.outboxKind))
            let figures = HubCheckIn.Figures(
                softwareVersion: GatewayVersion.current, planVersion: try await triage.activePlan()?.version.version,
                queueDepth: backlog.waiting, oldestUndelivered: backlog.oldestEnqueuedAt)
            let entries = HubCheckIn.entries(figures, at: time, gatewayID: gatewayID, mapper: mapper)
            let outcome = try await store.enqueueSuperseding(
                kind: OutboxKind(rawValue: HubCheckIn.outboxKind),
                key: "\(GatewayFHIR.instant(time))|\(UUID().uuidString.prefix(8))", payload: BundleEntry.payload(entries),
                sequenceKey: entries.last?.updatedResourceURL, priority: .background)
            if outcome.superseded > 0 {
                logger.debug("a check-in still waiting was replaced by a newer one", metadata: ["replaced": "\(outcome.superseded)"])
            }
            wakeForwarder()
        } catch {
            logger.warning("the check-in could not be queued", metadata: ["error": "\(error)"])
        }
    }
}
