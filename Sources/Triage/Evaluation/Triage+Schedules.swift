public import Foundation
import GRDB
public import HealthProfiles
import Logging
import ReadingStore

extension Triage {
    /// The periodic missing-measurement check; the daemon calls it every few minutes.
    ///
    /// For each schedule, the latest occurrence whose due time has passed is met by any value of its vitals
    /// measured from the occurrence's `from` time until `now`. Otherwise a "not measured" alert is raised once
    /// (and not again while it stands); a later measurement clears it. Because this check runs on the hub,
    /// such an alert (with its `gateway-checked-at` extension) tells the centre "the hub is alive, the patient
    /// did not measure" — unlike silence, which means "hub offline".
    ///
    /// - Parameters:
    ///   - now: the check time (injected; tests pass any instant).
    ///   - deviceLastSeen: when the device measuring each vital was last seen by the gateway, if known; put in
    ///     the alert so that "device not reaching the hub" can be told from "patient did not measure".
    /// Occurrences due before the active plan version took effect never alert. A schedule with
    /// `when: out-of-green` asks for a measurement only while the patient's latest assessed reading (measured up
    /// to `now`) is yellow or red; back in green, its alert ends ("back in green").
    @discardableResult
    public func checkSchedules(now: Date, deviceLastSeen: [VitalSign: Date] = [:]) async throws -> [AlertEvent] {
        let events = try await store.write { unit -> [AlertEvent] in
            let db = unit.db
            guard let active = try PlanRecords.active(db) else { throw TriageError.noActivePlan }
            let plan = active.document.plan
            let version = active.version.version
            let activatedAt = active.version.activatedAt ?? active.version.proposedAt
            let calendar = plan.openingHours.calendar
            let centreOpen = plan.openingHours.isOpen(at: now)
            var events: [AlertEvent] = []
            let latestZone = try EvaluationRecords.latestAssessedZone(db, before: now)
            let outOfGreen = latestZone == .yellow || latestZone == .red

            for schedule in plan.schedules {
                let key = Self.scheduleKey(schedule.id)
                guard let occurrence = schedule.latestOccurrence(atOrBefore: now, calendar: calendar),
                      occurrence.due >= activatedAt
                else { continue }
                let notAsked = schedule.onlyOutOfGreen && !outOfGreen
                let measured = try notAsked || ValueRecords.anyMeasured(
                    db, vitals: schedule.vitals, start: occurrence.windowStart, end: now)
                let lastSeen = schedule.vitals.compactMap { deviceLastSeen[$0] }.max()
                let names = schedule.vitals.map(\.rawValue).joined(separator: "/")
                var summary = "\(names) not measured by \(schedule.dueBy) (\(TriageFHIR.dateTime(occurrence.due)))"
                if let lastSeen {
                    summary += "; device last seen \(TriageFHIR.dateTime(lastSeen))"
                } else {
                    summary += "; device last seen: unknown"
                }
                events += try applyTransition(unit, AlertCandidate(
                    key: key, kind: .missingMeasurement, vital: schedule.vitals.count == 1 ? schedule.vitals.first : nil,
                    scheduleID: schedule.id, zone: measured ? .green : schedule.zone, measuredAt: nil, readingID: nil,
                    summary: summary,
                    patientMessage: measured
                        ? plan.texts.green
                        : PatientMessages.notMeasured(schedule.zone, texts: plan.texts, centreOpen: centreOpen),
                    afterHours: !centreOpen, planVersion: version, deviceLastSeen: lastSeen,
                    occurrenceStart: occurrence.windowStart, endReason: notAsked ? "back in green" : "measurement received"),
                    now: now)
            }

            // Alerts of schedules the current plan no longer has end here rather than stand forever.
            let current = Set(plan.schedules.map { Self.scheduleKey($0.id) })
            for key in try ZoneStateRecords.keys(db, prefix: "schedule:") where !current.contains(key) {
                events += try applyTransition(unit, AlertCandidate(
                    key: key, kind: .missingMeasurement, vital: nil, scheduleID: String(key.dropFirst("schedule:".count)),
                    zone: .green, measuredAt: nil, readingID: nil, summary: "schedule removed from the plan",
                    patientMessage: plan.texts.green, afterHours: !centreOpen, planVersion: version,
                    deviceLastSeen: nil, occurrenceStart: nil, endReason: "schedule removed from the plan"), now: now)
            }
            return events
        }
        log(events)
        await hooks.kick()
        return events
    }
}
