import Forwarding
import Foundation
import Logging
import ReadingStore

/// Brings the hub's technical alerts to the centre as Flags (`TechnicalAlertFlag`), raised and cleared exactly
/// once: each episode is in the store's centre-report ledger from the moment its Flag is queued, so a restart
/// while an alert stands raises no second Flag, and one that resolved while the daemon was down is cleared.
///
/// Alerts live in memory (`TechnicalAlerts`) and are raised again after a restart by the checks that found
/// them (the maintenance loop at once, a device on its next visit, the forwarder on its next attempt): an
/// episode is therefore only cleared once the daemon has run for `clearGrace`, long enough for those checks.
struct TechnicalAlertReporter {
    let store: ReadingStore
    let alerts: TechnicalAlerts
    let mapper: FHIRMapper
    let patientReference: String
    let gatewayID: String
    let interval: Duration
    let clearGrace: Duration
    let wakeForwarder: @Sendable () -> Void
    let logger: Logger

    static let ledgerPrefix = "alert|"

    /// A round runs when an alert is raised or cleared; otherwise once the clearing grace has passed, and then
    /// every `interval` as a safety net (an idle hub is not woken to compare alerts that did not change).
    func nextRound(started: ContinuousClock.Instant) -> Duration {
        let graceLeft = started + clearGrace - ContinuousClock.now
        return graceLeft > .zero ? min(graceLeft, interval) : interval
    }

    func run() async {
        let started = ContinuousClock.now
        repeat {
            await synchronize(mayClear: ContinuousClock.now - started >= clearGrace)
        } while await pauseUnlessShuttingDown(until: alerts, atMost: nextRound(started: started))
    }

    func synchronize(mayClear: Bool, now: Date = Date()) async {
        do {
            let reported = try await store.centreReports(prefix: Self.ledgerPrefix)
            var standing = Set<String>()
            var queued = false
            for alert in alerts.current {
                let subject = TechnicalAlertFlag.subject(alert.code, device: alert.device)
                standing.insert(subject)
                guard reported[subject] == nil else { continue }
                let episode = TechnicalAlertFlag.Episode(
                    code: alert.code, device: alert.device, message: alert.message, raisedAt: alert.since,
                    identifier: TechnicalAlertFlag.identifier(gatewayID: gatewayID, code: alert.code, device: alert.device, raisedAt: alert.since),
                    patientReference: patientReference)
                queued = try await report(subject: subject, episode, clearedAt: nil) || queued
            }
            if mayClear {
                for (subject, row) in reported where !standing.contains(subject) {
                    guard let episode = Self.episode(subject: subject, row) else { continue }
                    queued = try await self.report(subject: subject, episode, clearedAt: now) || queued
                }
            }
            if queued { wakeForwarder() }
        } catch {
            logger.warning("technical alerts could not be reported to the centre", metadata: ["error": "\(error)"])
        }
    }

    private func report(subject: String, _ episode: TechnicalAlertFlag.Episode, clearedAt: Date?) async throws -> Bool {
        let entries = TechnicalAlertFlag.entries(episode, clearedAt: clearedAt, gatewayID: gatewayID, mapper: mapper)
        let queued = try await store.reportToCentre(
            subject: subject, state: clearedAt == nil ? [episode.identifier, episode.patientReference, episode.message].joined(separator: "\n") : nil,
            kind: OutboxKind(rawValue: TechnicalAlertFlag.outboxKind),
            key: episode.identifier + (clearedAt == nil ? "|active" : "|inactive"),
            payload: BundleEntry.payload(entries), sequenceKey: entries.last?.updatedResourceURL,
            now: clearedAt ?? episode.raisedAt)
        if queued {
            logger.info(clearedAt == nil ? "technical alert reported to the centre" : "technical alert cleared at the centre",
                        metadata: ["technical-alert": "\(episode.code.rawValue)"])
        }
        return queued
    }

    /// The standing episode a ledger row describes ("alert|<code>|<device>", state
    /// "<identifier>\n<patient reference>\n<message>").
    static func episode(subject: String, _ row: ReadingStore.CentreReport) -> TechnicalAlertFlag.Episode? {
        let parts = subject.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let code = TechnicalAlerts.Code(rawValue: String(parts[1])) else { return nil }
        let state = row.state.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard state.count == 3 else { return nil }
        return TechnicalAlertFlag.Episode(
            code: code, device: parts[2].isEmpty ? nil : String(parts[2]), message: state[2], raisedAt: row.since,
            identifier: state[0], patientReference: state[1])
    }
}
