public import Foundation
import GRDB
import HealthProfiles

/// What one triage retention pass removed.
public struct TriageRetentionReport: Sendable, Hashable {
    public var values = 0
    public var evaluations = 0
    public var alerts = 0
    public var hookEvents = 0

    public var total: Int { values + evaluations + alerts + hookEvents }
}

extension Triage {
    /// Deletes triage's copies of health data older than `cutoff` (the store's retention horizon), so that
    /// a reading the store has deleted does not live on in triage's tables for years.
    ///
    /// Kept whatever their age, because triage still needs them:
    /// - values inside the longest window rule of the active plan (a 3-day weight gain needs 3 days), and every
    ///   value of a vital whose habitual value the active plan is still collecting (the collection period
    ///   starts at its first value);
    /// - the evaluation of a reading the store still holds (an undelivered one: it is what makes re-triage
    ///   after a restart a no-op);
    /// - active alerts and the one a zone state refers to, with their events; hook events not yet run;
    /// - plan versions, the governance audit, baselines and zone states (the plan's history and triage's
    ///   memory, not measurements).
    @discardableResult
    public func applyRetention(olderThan cutoff: Date) async throws -> TriageRetentionReport {
        let now = clock()
        // One unit of work: the store answers which readings it still holds, triage deletes its own rows.
        let report = try await store.write { unit in
            let db = unit.db
            var report = TriageRetentionReport()
            let plan = try PlanRecords.active(db)?.document.plan
            let longestWindow = plan?.windowChanges.map(\.windowHours).max() ?? 0
            let valuesCutoff = min(cutoff, now.addingTimeInterval(-longestWindow * 3600)).timeIntervalSince1970
            var collecting: [String] = []
            for vital in (plan?.baseline?.changes.keys).map(Array.init) ?? [] where try BaselineRecords.fetch(db, vital: vital) == nil {
                collecting.append(vital.rawValue)
            }
            report.values = try ValueRecords.delete(db, before: valuesCutoff, keeping: collecting)

            let horizon = cutoff.timeIntervalSince1970
            // By row: evaluations are not indexed by reading (triage.v6).
            let old = try Row.fetchAll(db, sql: "SELECT rowid, reading_id FROM triage_evaluations WHERE evaluated_at < ?",
                                       arguments: [horizon]).map { (row: $0["rowid"] as Int64, reading: $0["reading_id"] as String) }
            let kept = try unit.storedReadings(among: Array(Set(old.map(\.reading))))
            for evaluation in old where !kept.contains(evaluation.reading) {
                try db.execute(sql: "DELETE FROM triage_evaluations WHERE rowid = ?", arguments: [evaluation.row])
                report.evaluations += db.changesCount
            }

            let endedAlerts = """
                SELECT id FROM triage_alerts
                WHERE status <> 'active' AND ended_at < ?
                  AND id NOT IN (SELECT alert_id FROM triage_zone_state WHERE alert_id IS NOT NULL)
                """
            try db.execute(sql: "DELETE FROM triage_alert_events WHERE alert_id IN (\(endedAlerts))", arguments: [horizon])
            try db.execute(sql: "DELETE FROM triage_alerts WHERE id IN (\(endedAlerts))", arguments: [horizon])
            report.alerts = db.changesCount

            try db.execute(sql: "DELETE FROM triage_hook_queue WHERE status <> 'pending' AND finished_at < ?",
                           arguments: [horizon])
            report.hookEvents = db.changesCount
            return report
        }
        if report.total > 0 {
            logger.info("retention removed old triage data", metadata: [
                "values": "\(report.values)", "evaluations": "\(report.evaluations)", "alerts": "\(report.alerts)",
                "hookEvents": "\(report.hookEvents)"])
        }
        return report
    }
}
