import Foundation
import GRDB
import HealthProfiles

/// SQL for triage's tables, one small namespace per table. All functions run inside the caller's transaction.
enum PlanRecords {
    struct Active {
        var version: PlanVersion
        var document: CarePlanDocument
    }

    static func active(_ db: Database) throws -> Active? {
        // Cached statements here and below: triage runs these for every reading (compiling them again each
        // time, GRDB's authorizer included, was about a tenth of the daemon's CPU under load).
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM triage_plan_versions WHERE status = 'active'")) else {
            return nil
        }
        let version = try decode(row)
        do {
            return Active(version: version, document: try ParsedPlanMemo.document(version: version.version, yaml: version.yaml) {
                try CarePlanDocument.parse(yaml: version.yaml, source: "plan version \(version.version)")
            })
        } catch {
            throw TriageError.corruptRecord("plan version \(version.version): \(error)")
        }
    }

    /// The active plan's version number and document, for every reading's evaluation: the row's other columns are
    /// not read, and its YAML is compared with the memo's where SQLite holds it (a `String` is made of it only when
    /// the plan changed).
    static func activeDocument(_ db: Database) throws -> (version: Int, document: CarePlanDocument)? {
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT version, plan_yaml FROM triage_plan_versions WHERE status = 'active'
            """))
        guard let row = try rows.next() else { return nil }
        let version: Int = row[0]
        if let document = try row.withUnsafeData(atIndex: 1, { yaml in
            yaml.flatMap { ParsedPlanMemo.remembered(version: version, yaml: $0) }
        }) {
            return (version, document)
        }
        let yaml: String = row[1]
        do {
            return (version, try ParsedPlanMemo.document(version: version, yaml: yaml) {
                try CarePlanDocument.parse(yaml: yaml, source: "plan version \(version)")
            })
        } catch {
            throw TriageError.corruptRecord("plan version \(version): \(error)")
        }
    }

    static func fetch(_ db: Database, version: Int) throws -> PlanVersion? {
        try Row.fetchOne(db, sql: "SELECT * FROM triage_plan_versions WHERE version = ?", arguments: [version]).map(decode)
    }

    static func all(_ db: Database) throws -> [PlanVersion] {
        try Row.fetchAll(db, sql: "SELECT * FROM triage_plan_versions ORDER BY version").map(decode)
    }

    static func nextVersion(_ db: Database) throws -> Int {
        (try Int.fetchOne(db, sql: "SELECT max(version) FROM triage_plan_versions") ?? 0) + 1
    }

    static func insert(_ db: Database, _ version: PlanVersion) throws {
        try db.execute(
            sql: """
                INSERT INTO triage_plan_versions (version, status, plan_yaml, plan_name, summary, reason, ordered_by,
                    proposed_at, based_on_version, verified_by, verified_at, activated_at, ordered_by_uid, verified_by_uid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [version.version, version.status.rawValue, version.yaml, version.planName, version.summary,
                        version.reason, version.orderedBy, version.proposedAt.timeIntervalSince1970,
                        version.basedOnVersion, version.verifiedBy, version.verifiedAt?.timeIntervalSince1970,
                        version.activatedAt?.timeIntervalSince1970, version.orderedByUID, version.verifiedByUID])
    }

    private static func decode(_ row: Row) throws -> PlanVersion {
        let statusText: String = row["status"]
        guard let status = PlanVersionStatus(rawValue: statusText) else {
            throw TriageError.corruptRecord("plan status \(statusText)")
        }
        return PlanVersion(
            version: row["version"], status: status, planName: row["plan_name"], yaml: row["plan_yaml"],
            summary: row["summary"], reason: row["reason"], orderedBy: row["ordered_by"],
            proposedAt: Date(timeIntervalSince1970: row["proposed_at"]), basedOnVersion: row["based_on_version"],
            verifiedBy: row["verified_by"], verifiedAt: date(row["verified_at"]), activatedAt: date(row["activated_at"]),
            orderedByUID: row["ordered_by_uid"], verifiedByUID: row["verified_by_uid"])
    }
}

enum AuditRecords {
    static func append(
        _ db: Database, at: Date, action: String, version: Int?, actor: String, orderedBy: String?,
        verifiedBy: String?, details: String, uids: AuditUIDs = AuditUIDs()
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO triage_audit (at, action, version, actor, ordered_by, verified_by, details, actor_uid,
                    ordered_by_uid, verified_by_uid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [at.timeIntervalSince1970, action, version, actor, orderedBy, verifiedBy, details, uids.actor,
                        uids.orderedBy, uids.verifiedBy])
    }

    static func recent(_ db: Database, limit: Int) throws -> [AuditEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM triage_audit ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
            AuditEntry(
                id: row["id"], at: Date(timeIntervalSince1970: row["at"]), action: row["action"],
                version: row["version"], actor: row["actor"], orderedBy: row["ordered_by"],
                verifiedBy: row["verified_by"], details: row["details"],
                uids: AuditUIDs(actor: row["actor_uid"], orderedBy: row["ordered_by_uid"], verifiedBy: row["verified_by_uid"]))
        }
    }
}

enum BaselineRecords {
    /// Asked for every reading of a vital with habitual-value rules: the columns by position
    /// (`BaselineRecord.init(columnsOf:)`), not through the record's `Codable` decoding (issue 16).
    static func fetch(_ db: Database, vital: VitalSign) throws -> Baseline? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(BaselineRecord.selection) FROM triage_baselines WHERE vital = ?"),
            arguments: [vital.rawValue])
        else { return nil }
        return try BaselineRecord(columnsOf: row).baseline()
    }

    static func all(_ db: Database) throws -> [Baseline] {
        try BaselineRecord.order(BaselineRecord.Columns.vital).fetchAll(db).map { try $0.baseline() }
    }

    static func insert(_ db: Database, _ baseline: Baseline) throws {
        try BaselineRecord(baseline).insert(db)
    }

    static func collectFrom(_ db: Database, vital: VitalSign) throws -> Date? {
        try Double.fetchOne(db.cachedStatement(sql: "SELECT collect_from FROM triage_baseline_starts WHERE vital = ?"),
                            arguments: [vital.rawValue]).map(Date.init(timeIntervalSince1970:))
    }

    static func restart(_ db: Database, vital: VitalSign, from: Date) throws {
        try BaselineRecord.deleteOne(db, key: vital.rawValue)
        try BaselineStartRecord(vital: vital.rawValue, collectFrom: from.timeIntervalSince1970).upsert(db)
    }
}

enum ZoneStateRecords {
    struct State {
        var zone: Zone
        var alertID: String?
        var lastMeasuredAt: Date?
    }

    /// Asked once per vital and per schedule of every reading: the three columns by position (`SELECT *` and
    /// look-ups by name cost more than the probe; issue 16).
    static func fetch(_ db: Database, key: String) throws -> State? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT zone, alert_id, last_measured_at FROM triage_zone_state WHERE alert_key = ?
                """), arguments: [key])
        else { return nil }
        let zoneText: String = row[0]
        guard let zone = Zone(rawValue: zoneText) else { throw TriageError.corruptRecord("zone \(zoneText)") }
        return State(zone: zone, alertID: row[1], lastMeasuredAt: date(row[2]))
    }

    static func keys(_ db: Database, prefix: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT alert_key FROM triage_zone_state WHERE alert_key LIKE ? ESCAPE '\\'",
                            arguments: [prefix.replacingOccurrences(of: "_", with: "\\_") + "%"])
    }

    /// `existing`: the caller read the key's row in this transaction (`fetch` gave a state), so a plain UPDATE
    /// of the row does what the upsert would, without its insert attempt (every reading updates its vitals' rows).
    static func save(_ db: Database, key: String, state: State, now: Date, existing: Bool = false) throws {
        if existing {
            try db.cachedStatement(sql: """
                    UPDATE triage_zone_state SET zone = ?2, alert_id = ?3, last_measured_at = ?4, updated_at = ?5
                    WHERE alert_key = ?1
                    """).execute(
                arguments: [key, state.zone.rawValue, state.alertID, state.lastMeasuredAt?.timeIntervalSince1970,
                            now.timeIntervalSince1970])
            if db.changesCount == 1 { return }
        }
        try db.cachedStatement(sql: """
                INSERT INTO triage_zone_state (alert_key, zone, alert_id, last_measured_at, updated_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(alert_key) DO UPDATE SET zone = excluded.zone, alert_id = excluded.alert_id,
                    last_measured_at = excluded.last_measured_at, updated_at = excluded.updated_at
                """).execute(
            arguments: [key, state.zone.rawValue, state.alertID, state.lastMeasuredAt?.timeIntervalSince1970,
                        now.timeIntervalSince1970])
    }
}

enum AlertRecords {
    static func insert(_ db: Database, _ alert: TriageAlert, occurrenceStart: Date?) throws {
        try db.execute(
            sql: """
                INSERT INTO triage_alerts (id, alert_key, kind, vital, schedule_id, zone, previous_zone, status,
                    raised_at, measured_at, reading_id, occurrence_start, device_last_seen, after_hours, summary,
                    patient_message, plan_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [alert.id, alert.key, alert.kind.rawValue, alert.vital?.rawValue, alert.scheduleID,
                        alert.zone.rawValue, alert.previousZone.rawValue, alert.status.rawValue,
                        alert.raisedAt.timeIntervalSince1970, alert.measuredAt?.timeIntervalSince1970, alert.readingID,
                        occurrenceStart?.timeIntervalSince1970, alert.deviceLastSeen?.timeIntervalSince1970,
                        alert.afterHours, alert.summary, alert.patientMessage, alert.planVersion])
    }

    static func fetch(_ db: Database, id: String) throws -> TriageAlert? {
        try Row.fetchOne(db, sql: "SELECT * FROM triage_alerts WHERE id = ?", arguments: [id]).map(decode)
    }

    static func occurrenceStart(_ db: Database, id: String) throws -> Date? {
        try Double.fetchOne(db.cachedStatement(sql: "SELECT occurrence_start FROM triage_alerts WHERE id = ?"),
                            arguments: [id])
            .map(Date.init(timeIntervalSince1970:))
    }

    static func active(_ db: Database) throws -> [TriageAlert] {
        try Row.fetchAll(db, sql: "SELECT * FROM triage_alerts WHERE status = 'active' ORDER BY raised_at DESC, id")
            .map(decode)
    }

    static func recent(_ db: Database, limit: Int) throws -> [TriageAlert] {
        try Row.fetchAll(db, sql: "SELECT * FROM triage_alerts ORDER BY raised_at DESC, rowid DESC LIMIT ?",
                         arguments: [limit]).map(decode)
    }

    static func end(_ db: Database, id: String, status: AlertStatus, reason: String, readingID: String?, at: Date) throws {
        try db.execute(
            sql: """
                UPDATE triage_alerts SET status = ?, ended_at = ?, ended_reason = ?, ended_by_reading_id = ?
                WHERE id = ? AND status = 'active'
                """,
            arguments: [status.rawValue, at.timeIntervalSince1970, reason, readingID, id])
    }

    static func acknowledge(_ db: Database, id: String, by person: String, at: Date) throws {
        try db.execute(sql: "UPDATE triage_alerts SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ?",
                       arguments: [person, at.timeIntervalSince1970, id])
    }

    static func appendEvent(
        _ db: Database, alertID: String, event: String, zone: Zone, at: Date, readingID: String?, actor: String?
    ) throws {
        try db.execute(
            sql: "INSERT INTO triage_alert_events (alert_id, event, zone, at, reading_id, actor) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [alertID, event, zone.rawValue, at.timeIntervalSince1970, readingID, actor])
    }

    private static func decode(_ row: Row) throws -> TriageAlert {
        let kindText: String = row["kind"], zoneText: String = row["zone"]
        let previousText: String = row["previous_zone"], statusText: String = row["status"]
        let vitalText: String? = row["vital"]
        guard let kind = AlertKind(rawValue: kindText), let zone = Zone(rawValue: zoneText),
              let previous = Zone(rawValue: previousText), let status = AlertStatus(rawValue: statusText)
        else { throw TriageError.corruptRecord("alert \(String(describing: row["id"] as String?))") }
        return TriageAlert(
            id: row["id"], key: row["alert_key"], kind: kind, vital: vitalText.flatMap(VitalSign.init(rawValue:)),
            scheduleID: row["schedule_id"], zone: zone, previousZone: previous, status: status,
            raisedAt: Date(timeIntervalSince1970: row["raised_at"]), measuredAt: date(row["measured_at"]),
            readingID: row["reading_id"], deviceLastSeen: date(row["device_last_seen"]),
            afterHours: row["after_hours"], summary: row["summary"], patientMessage: row["patient_message"],
            planVersion: row["plan_version"], acknowledgedBy: row["acknowledged_by"],
            acknowledgedAt: date(row["acknowledged_at"]), endedAt: date(row["ended_at"]),
            endedReason: row["ended_reason"])
    }
}

enum EvaluationRecords {
    /// The zone of the latest reading measured before `date` that was assessed (green, yellow or red; readings
    /// that needed a control measurement or had no rule say nothing about how the patient is).
    static func latestAssessedZone(_ db: Database, before date: Date) throws -> Zone? {
        try String.fetchOne(
            db, sql: """
                SELECT outcome FROM triage_evaluations
                WHERE outcome IN ('green', 'yellow', 'red') AND measured_at <= ?
                ORDER BY measured_at DESC LIMIT 1
                """, arguments: [date.timeIntervalSince1970]).flatMap(Zone.init(rawValue:))
    }

    /// How far from the time it is given an evaluation is looked for when the store no longer holds the reading
    /// (retention or the quota removed it; a re-sent record's time is corrected by another visit's clock offset).
    static let measurementTimeSlack: TimeInterval = 86_400

    /// The stored result of `readingID`, looked for among the evaluations measured within `slack` of `measuredAt`
    /// (triage.v6: evaluations are indexed by measurement time, not by the reading's identifier).
    static func result(
        _ db: Database, readingID: String, near measuredAt: Date, slack: TimeInterval
    ) throws -> TriageResult? {
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT \(columns) FROM triage_evaluations
            WHERE measured_at BETWEEN ? AND ? AND reading_id = ? LIMIT 1
            """), arguments: [measuredAt.timeIntervalSince1970 - slack, measuredAt.timeIntervalSince1970 + slack, readingID])
        return try row.map(decoded)
    }

    /// The stored results of the given readings that were triaged, keyed by reading id (one query per 500). Reads
    /// every evaluation (they are not indexed by reading): for migrations and look-ups of readings the store no
    /// longer holds.
    static func results(_ db: Database, readingIDs: [String]) throws -> [String: TriageResult] {
        var results: [String: TriageResult] = [:]
        for start in stride(from: 0, to: readingIDs.count, by: 500) {
            let chunk = Array(readingIDs[start..<min(start + 500, readingIDs.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(columns) FROM triage_evaluations WHERE reading_id IN (\(marks))",
                arguments: StatementArguments(chunk))
            for row in rows { results[row["reading_id"]] = try decoded(row) }
        }
        return results
    }

    /// What `decoded` reads of a row, in its order.
    private static let columns = "reading_id, measured_at, evaluated_at, plan_version, outcome, result_json"

    private static func decoded(_ row: Row) throws -> TriageResult {
        let readingID: String = row[0]
        guard let result = StoredEvaluation.result(
            json: row[5], readingID: readingID, measuredAt: row[1], evaluatedAt: row[2], planVersion: row[3],
            outcome: row[4])
        else { throw TriageError.corruptRecord("evaluation of reading \(readingID)") }
        return result
    }

    static func insert(_ db: Database, _ result: TriageResult) throws {
        try db.cachedStatement(sql: """
                INSERT INTO triage_evaluations (reading_id, measured_at, evaluated_at, plan_version, outcome, result_json)
                VALUES (?, ?, ?, ?, ?, ?)
                """).execute(
            arguments: [result.readingID, result.measuredAt.timeIntervalSince1970, result.evaluatedAt.timeIntervalSince1970,
                        result.planVersion, StoredEvaluation.outcomeText(result.outcome), try StoredEvaluation.json(result)])
    }
}

enum HookQueueRecords {
    static func enqueue(_ db: Database, event: String, payload: HookPayload, at: Date) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Cached: with patient cues configured, every reading queues its receipt.
        try db.cachedStatement(
            sql: "INSERT INTO triage_hook_queue (event, payload_json, status, created_at) VALUES (?, ?, 'pending', ?)"
        ).execute(
            arguments: [event, String(decoding: try encoder.encode(payload), as: UTF8.self), at.timeIntervalSince1970])
    }
}

private func date(_ seconds: Double?) -> Date? { seconds.map(Date.init(timeIntervalSince1970:)) }
