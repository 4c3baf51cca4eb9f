import Foundation
import GRDB
import HealthProfiles
import Logging
import ReadingStore

/// Everything the alert lifecycle needs to know about one rule outcome.
struct AlertCandidate {
    var key: String
    var kind: AlertKind
    var vital: VitalSign?
    var scheduleID: String?
    var zone: Zone
    /// Measurement time for reading-driven changes; nil for the periodic schedule check.
    var measuredAt: Date?
    var readingID: String?
    var summary: String
    var patientMessage: String
    var afterHours: Bool
    var planVersion: Int
    var deviceLastSeen: Date?
    var occurrenceStart: Date?
    var endReason: String
}

extension Triage {
    // MARK: Public API

    /// Records that `person` (technician or nurse) has seen the alert. Acknowledging does not clear it:
    /// only a green reading (or the missing measurement) does.
    @discardableResult
    public func acknowledge(alertID: String, by person: String) async throws -> TriageAlert {
        let person = person.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !person.isEmpty else { throw TriageError.missingPerson(role: "acknowledging person") }
        let now = clock()
        let alert = try await database.write { db -> TriageAlert in
            guard var alert = try AlertRecords.fetch(db, id: alertID) else { throw TriageError.unknownAlert(alertID) }
            if let by = alert.acknowledgedBy, let at = alert.acknowledgedAt {
                throw TriageError.alreadyAcknowledged(alertID: alertID, by: by, at: at)
            }
            try AlertRecords.acknowledge(db, id: alertID, by: person, at: now)
            try AlertRecords.appendEvent(db, alertID: alertID, event: "acknowledged", zone: alert.zone, at: now,
                                         readingID: nil, actor: person)
            alert.acknowledgedBy = person
            alert.acknowledgedAt = now
            return alert
        }
        logger.info("triage alert acknowledged", metadata: ["alert": "\(alertID)", "zone": "\(alert.zone.rawValue)"])
        return alert
    }

    /// Alerts standing now, newest first.
    public func activeAlerts() async throws -> [TriageAlert] {
        try await database.read { db in try AlertRecords.active(db) }
    }

    /// The latest `limit` alerts of any status, newest first.
    public func alertHistory(limit: Int) async throws -> [TriageAlert] {
        guard limit > 0 else { throw TriageError.invalidLimit(limit) }
        return try await database.read { db in try AlertRecords.recent(db, limit: limit) }
    }

    // MARK: Lifecycle (inside the caller's transaction)

    /// Applies the lifecycle rule (see `AlertTransition`) for one alert key and returns what changed.
    /// In `unit`'s transaction: the alert's Flag goes to the outbox in the same commit as the alert.
    func applyTransition(_ unit: StoreUnitOfWork, _ candidate: AlertCandidate, now: Date) throws -> [AlertEvent] {
        let db = unit.db
        let state = try ZoneStateRecords.fetch(db, key: candidate.key)
        let current = state?.zone ?? .green
        let decision = AlertTransition.decide(
            current: current, lastMeasuredAt: state?.lastMeasuredAt, newZone: candidate.zone,
            measuredAt: candidate.measuredAt ?? now)
        let latest = [state?.lastMeasuredAt, candidate.measuredAt].compactMap { $0 }.max()
        var events: [AlertEvent] = []
        var newState = ZoneStateRecords.State(zone: current, alertID: state?.alertID, lastMeasuredAt: latest)

        switch decision {
        case .none:
            break
        case .clear:
            if let id = state?.alertID, let ended = try end(unit, alertID: id, status: .cleared, candidate: candidate, now: now) {
                events.append(ended)
            }
            newState = .init(zone: .green, alertID: nil, lastMeasuredAt: latest)
        case .raise, .replace:
            if decision == .replace, let id = state?.alertID,
               let ended = try end(unit, alertID: id, status: .superseded, candidate: candidate, now: now) {
                events.append(ended)
            }
            let raised = try raise(unit, candidate, previousZone: current, now: now)
            events.append(raised)
            newState = .init(zone: candidate.zone, alertID: raised.alert.id, lastMeasuredAt: latest)
        }
        if decision != .none || state == nil || latest != state?.lastMeasuredAt {
            try ZoneStateRecords.save(db, key: candidate.key, state: newState, now: now, existing: state != nil)
        }
        return events
    }

    private func raise(_ unit: StoreUnitOfWork, _ candidate: AlertCandidate, previousZone: Zone, now: Date) throws -> AlertEvent {
        let db = unit.db
        let alert = TriageAlert(
            id: UUID().uuidString.lowercased(), key: candidate.key, kind: candidate.kind, vital: candidate.vital,
            scheduleID: candidate.scheduleID, zone: candidate.zone, previousZone: previousZone, status: .active,
            raisedAt: now, measuredAt: candidate.measuredAt, readingID: candidate.readingID,
            deviceLastSeen: candidate.deviceLastSeen, afterHours: candidate.afterHours, summary: candidate.summary,
            patientMessage: candidate.patientMessage, planVersion: candidate.planVersion)
        try AlertRecords.insert(db, alert, occurrenceStart: candidate.occurrenceStart)
        try AlertRecords.appendEvent(db, alertID: alert.id, event: "raised", zone: alert.zone, at: now,
                                     readingID: candidate.readingID, actor: nil)
        try enqueueFlag(unit, alert, now: now)
        try queueHook(db, event: "alert-raised", alert: alert, now: now)
        return AlertEvent(change: .raised, alert: alert)
    }

    private func end(
        _ unit: StoreUnitOfWork, alertID: String, status: AlertStatus, candidate: AlertCandidate, now: Date
    ) throws -> AlertEvent? {
        let db = unit.db
        guard var alert = try AlertRecords.fetch(db, id: alertID), alert.status == .active else { return nil }
        let reason = status == .superseded ? "zone changed to \(candidate.zone.rawValue)" : candidate.endReason
        try AlertRecords.end(db, id: alertID, status: status, reason: reason, readingID: candidate.readingID, at: now)
        try AlertRecords.appendEvent(db, alertID: alertID, event: status.rawValue, zone: alert.zone, at: now,
                                     readingID: candidate.readingID, actor: nil)
        alert.status = status
        alert.endedAt = now
        alert.endedReason = reason
        try enqueueFlag(unit, alert, now: now)
        if status == .cleared {
            var clearedView = alert
            clearedView.patientMessage = candidate.patientMessage
            clearedView.afterHours = candidate.afterHours
            try queueHook(db, event: "alert-cleared", alert: clearedView, now: now)
        }
        return AlertEvent(change: status == .cleared ? .cleared : .superseded, alert: alert)
    }

    private func enqueueFlag(_ unit: StoreUnitOfWork, _ alert: TriageAlert, now: Date) throws {
        let entry = TriageFHIR.flagEntry(
            for: alert, subjectReference: configuration.subjectReference,
            checkedAt: alert.kind == .missingMeasurement ? now : nil, canonical: configuration.canonical)
        let state = alert.status == .active ? "active" : "inactive"
        try outbox.enqueue(entry, key: TriageFHIR.outboxIdentifier(alertID: alert.id, status: state), in: unit)
    }

    private func queueHook(_ db: Database, event: String, alert: TriageAlert, now: Date) throws {
        guard configuration.queuesHookEvents else { return }
        let payload = HookPayload(
            event: event, alertID: alert.id, alertKey: alert.key, kind: alert.kind.rawValue,
            vital: alert.vital?.rawValue, zone: event == "alert-cleared" ? Zone.green.rawValue : alert.zone.rawValue,
            previousZone: event == "alert-cleared" ? alert.zone.rawValue : alert.previousZone.rawValue,
            afterHours: alert.afterHours, patientMessage: alert.patientMessage, summary: alert.summary,
            measuredAt: alert.measuredAt.map(TriageFHIR.dateTime), deviceLastSeen: alert.deviceLastSeen.map(TriageFHIR.dateTime),
            reasons: nil, planVersion: alert.planVersion, at: TriageFHIR.dateTime(now))
        try HookQueueRecords.enqueue(db, event: event, payload: payload, at: now)
    }

    /// Local structured log of alert changes. Carries alert id, key, zone and rule summary (values and
    /// thresholds) but never a patient identifier.
    func log(_ events: [AlertEvent]) {
        for event in events {
            let alert = event.alert
            let metadata: Logger.Metadata = [
                "alert": "\(alert.id)", "key": "\(alert.key)", "zone": "\(alert.zone.rawValue)",
                "previous-zone": "\(alert.previousZone.rawValue)", "after-hours": "\(alert.afterHours)",
                "plan-version": "\(alert.planVersion)", "summary": "\(alert.summary)",
            ]
            switch event.change {
            case .raised:
                let level: Logger.Level = alert.zone == .red ? .warning : .notice
                logger.log(level: level, "triage alert raised", metadata: metadata)
            case .cleared:
                logger.notice("triage alert cleared", metadata: metadata)
            case .superseded:
                logger.info("triage alert superseded", metadata: metadata)
            }
        }
    }
}
