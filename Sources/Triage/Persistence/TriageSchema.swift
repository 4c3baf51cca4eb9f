import Foundation
import GRDB
import ReadingStore

/// Triage's own tables in the reading store's SQLite database, contributed to the store's migrator as
/// `StoreMigration`s (`Triage.storeMigrations`). Every table is prefixed `triage_` and every migration
/// identifier `triage.`; identifiers are permanent once applied: change the schema only by appending one.
///
/// Times are stored as REAL seconds since 1970 (UTC) so that window and baseline queries are plain range scans.
/// Readings are referred to by their identifier (`reading_id` TEXT, the store's `ReadingID`) without a foreign
/// key: the store's retention deletes old readings, and triage's values, evaluations and alert history must
/// outlive them (baselines and windows are computed from `triage_values`, in canonical units).
enum TriageSchema {
    static let migrations: [StoreMigration] = [
        StoreMigration("triage.v1") { db in
            // Care-plan versions: exactly one active at a time once installed; pending ones await verification.
            try db.execute(sql: """
                CREATE TABLE triage_plan_versions (
                    version INTEGER PRIMARY KEY,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'superseded', 'rejected')),
                    plan_yaml TEXT NOT NULL,
                    plan_name TEXT NOT NULL,
                    summary TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    ordered_by TEXT NOT NULL,
                    proposed_at REAL NOT NULL,
                    based_on_version INTEGER,
                    verified_by TEXT,
                    verified_at REAL,
                    activated_at REAL,
                    -- Defence in depth for the two-person rule (the API checks it first, with a clear error).
                    CHECK (verified_by IS NULL OR lower(trim(verified_by)) <> lower(trim(ordered_by)))
                );
                CREATE UNIQUE INDEX triage_plan_versions_one_active
                    ON triage_plan_versions(status) WHERE status = 'active';

                CREATE TABLE triage_audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at REAL NOT NULL,
                    action TEXT NOT NULL,
                    version INTEGER,
                    actor TEXT NOT NULL,
                    ordered_by TEXT,
                    verified_by TEXT,
                    details TEXT NOT NULL
                );

                -- Every triaged value, reliable or not, in the vital's canonical unit.
                CREATE TABLE triage_values (
                    reading_id TEXT NOT NULL,
                    vital TEXT NOT NULL,
                    value REAL NOT NULL,
                    measured_at REAL NOT NULL,
                    reliable INTEGER NOT NULL,
                    PRIMARY KEY (reading_id, vital)
                );
                CREATE INDEX triage_values_by_vital_time ON triage_values(vital, measured_at);

                -- One row per reading triaged; makes evaluate idempotent when the daemon replays a reading.
                CREATE TABLE triage_evaluations (
                    reading_id TEXT PRIMARY KEY,
                    measured_at REAL NOT NULL,
                    evaluated_at REAL NOT NULL,
                    plan_version INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    result_json TEXT NOT NULL
                );

                CREATE TABLE triage_baselines (
                    vital TEXT PRIMARY KEY,
                    value REAL NOT NULL,
                    statistic TEXT NOT NULL,
                    sample_count INTEGER NOT NULL,
                    period_start REAL NOT NULL,
                    period_end REAL NOT NULL,
                    established_at REAL NOT NULL
                );
                -- Set when a doctor restarts the collection of a habitual value.
                CREATE TABLE triage_baseline_starts (
                    vital TEXT PRIMARY KEY,
                    collect_from REAL NOT NULL
                );

                -- Current zone per alert key ("vital:spo2", "schedule:spo2-daily").
                CREATE TABLE triage_zone_state (
                    alert_key TEXT PRIMARY KEY,
                    zone TEXT NOT NULL,
                    alert_id TEXT,
                    last_measured_at REAL,
                    updated_at REAL NOT NULL
                );

                CREATE TABLE triage_alerts (
                    id TEXT PRIMARY KEY,
                    alert_key TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    vital TEXT,
                    schedule_id TEXT,
                    zone TEXT NOT NULL,
                    previous_zone TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active', 'cleared', 'superseded')),
                    raised_at REAL NOT NULL,
                    measured_at REAL,
                    reading_id TEXT,
                    occurrence_start REAL,
                    device_last_seen REAL,
                    after_hours INTEGER NOT NULL,
                    summary TEXT NOT NULL,
                    patient_message TEXT NOT NULL,
                    plan_version INTEGER NOT NULL,
                    acknowledged_by TEXT,
                    acknowledged_at REAL,
                    ended_at REAL,
                    ended_reason TEXT,
                    ended_by_reading_id TEXT
                );
                CREATE UNIQUE INDEX triage_alerts_one_active_per_key
                    ON triage_alerts(alert_key) WHERE status = 'active';
                CREATE INDEX triage_alerts_by_time ON triage_alerts(raised_at);

                CREATE TABLE triage_alert_events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    alert_id TEXT NOT NULL REFERENCES triage_alerts(id),
                    event TEXT NOT NULL,
                    zone TEXT NOT NULL,
                    at REAL NOT NULL,
                    reading_id TEXT,
                    actor TEXT
                );

                -- Hook deliveries waiting or done; pending ones survive a restart and run again.
                CREATE TABLE triage_hook_queue (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    event TEXT NOT NULL,
                    payload_json TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'timed-out')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    finished_at REAL
                );
                CREATE INDEX triage_hook_queue_pending ON triage_hook_queue(status, seq);
                """)
        },
        StoreMigration.usingUnit("triage.v2") { unit in
            // The store's outbox learnt priorities (store.v3); what triage queued before then learns its own:
            // alert Flags and red readings are urgent.
            try unit.raiseWaitingPriority(to: .urgent, kind: .alert)
            let red = try String.fetchAll(
                unit.db, sql: "SELECT reading_id FROM triage_evaluations WHERE outcome = ?", arguments: [Zone.red.rawValue])
            try unit.raiseWaitingPriority(to: .urgent, kind: .reading, keys: red)
        },
        StoreMigration("triage.v3-operator-uids") { db in
            // The OS users (control-socket peer credentials) who entered an order and its verification: the
            // two-person rule also requires two accounts, since look-alike names can pass for two people.
            // NULL for rows from before this migration and for versions installed from the template.
            try db.execute(sql: """
                ALTER TABLE triage_plan_versions ADD COLUMN ordered_by_uid INTEGER;
                ALTER TABLE triage_plan_versions ADD COLUMN verified_by_uid INTEGER
                    CHECK (verified_by_uid IS NULL OR ordered_by_uid IS NULL OR verified_by_uid <> ordered_by_uid);
                ALTER TABLE triage_audit ADD COLUMN actor_uid INTEGER;
                ALTER TABLE triage_audit ADD COLUMN ordered_by_uid INTEGER;
                ALTER TABLE triage_audit ADD COLUMN verified_by_uid INTEGER;
                """)
        },
        // The outbox carries a released reading's evaluation (store.v4-annotation): what an older hub released
        // without it gets it here, so that its Observation keeps its interpretation when it is finally sent.
        StoreMigration.usingUnit("triage.v4-annotations") { unit in
            let waiting = try unit.waitingUnannotatedReadings().map(\.rawValue)
            for (readingID, result) in try EvaluationRecords.results(unit.db, readingIDs: waiting) {
                try unit.annotate([ReadingID(rawValue: readingID)], with: try EvaluationAnnotation.bytes(result))
            }
        },
        // Issue 16, flash wear: every b-tree a reading's commit inserts into is at least one more page written to
        // the WAL and again at the checkpoint. triage_values was three (the rowid table, its (reading_id, vital)
        // key, the (vital, measured_at) index), two of them at random places (the key starts with a hash). It is
        // now one b-tree WITHOUT ROWID keyed (measured_at, vital, reading_id): a reading's values go in together at
        // its right-hand edge. Keyed by vital first, every vital but the last was an insert in the middle of the
        // tree, which splits and rebalances leaves more often: 4.5 pages per reading with SpO2 and pulse, against
        // 2.3 keyed by time and 6.9 before (`scripts/wal-pages` during `bench resources`). The queries ask for
        // one vital over a time range, which the key's time order answers with the other vitals of that range
        // skipped. A reading's vital has one measurement time, so the key is unique exactly where the old one was.
        StoreMigration("triage.v5-values-by-vital") { db in
            try db.execute(sql: """
                CREATE TABLE triage_values_v5 (
                    measured_at REAL NOT NULL,
                    vital TEXT NOT NULL,
                    reading_id TEXT NOT NULL,
                    value REAL NOT NULL,
                    reliable INTEGER NOT NULL,
                    PRIMARY KEY (measured_at, vital, reading_id)
                ) WITHOUT ROWID;
                INSERT INTO triage_values_v5 (measured_at, vital, reading_id, value, reliable)
                    SELECT measured_at, vital, reading_id, value, reliable FROM triage_values;
                DROP TABLE triage_values;
                ALTER TABLE triage_values_v5 RENAME TO triage_values;
                """)
        },
        // Issue 16, flash wear: the evaluations' key was the reading's identifier, a hash, so every reading's
        // commit inserted into a random leaf of its index (and split leaves there; at the checkpoint a scattered
        // leaf costs the disk a whole 4 KB block): about 2 pages per reading (`scripts/wal-pages` during `bench
        // resources`). The rows are kept in a rowid table in the order they are stored, with an index by
        // measured_at alone, which a reading's commit appends to at its right-hand edge (SQLite orders equal times
        // by row id, which only grows; with the reading's identifier in the key, the readings of one second went
        // in among each other: 1.8 pages, a split's rebalancing, against 1.1). An evaluation is looked up by its
        // reading's measurement time (`EvaluationRecords.result(_:readingID:near:)`). The rows are over half a
        // page, too large for a WITHOUT ROWID b-tree (they would spill into overflow pages).
        StoreMigration("triage.v6-evaluations-by-time") { db in
            try db.execute(sql: """
                CREATE TABLE triage_evaluations_v6 (
                    reading_id TEXT NOT NULL,
                    measured_at REAL NOT NULL,
                    evaluated_at REAL NOT NULL,
                    plan_version INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    result_json TEXT NOT NULL
                );
                INSERT INTO triage_evaluations_v6 (reading_id, measured_at, evaluated_at, plan_version, outcome, result_json)
                    SELECT reading_id, measured_at, evaluated_at, plan_version, outcome, result_json
                    FROM triage_evaluations ORDER BY measured_at, reading_id;
                DROP TABLE triage_evaluations;
                ALTER TABLE triage_evaluations_v6 RENAME TO triage_evaluations;
                CREATE INDEX triage_evaluations_by_time ON triage_evaluations(measured_at);
                """)
        },
        // Issue 16, flash wear: triage.v5's WITHOUT ROWID b-tree split its leaves through SQLite's general
        // rebalancing of three siblings even when a reading's values were appended (2.4 pages per reading by
        // `scripts/wal-pages` during `bench resources`); a rowid table appended to at its right-hand edge gets the quick
        // split (a new page and its parent). The row id is the measurement time (`ValueRecords`: the slot), so the
        // queries stay range scans by time without an index. The values are moved in time order (ties as triage.v5
        // ordered them), each given its slot as a new value is.
        StoreMigration("triage.v7-values-by-time") { db in
            try db.execute(sql: """
                ALTER TABLE triage_values RENAME TO triage_values_v5;
                CREATE TABLE triage_values (
                    slot INTEGER PRIMARY KEY,
                    measured_at REAL NOT NULL,
                    vital TEXT NOT NULL,
                    reading_id TEXT NOT NULL,
                    value REAL NOT NULL,
                    reliable INTEGER NOT NULL
                );
                """)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT measured_at, vital, reading_id, value, reliable FROM triage_values_v5
                ORDER BY measured_at, vital, reading_id
                """)
            while let row = try rows.next() {
                try ValueRecords.insert(db, readingID: row[2], vitalName: row[1], value: row[3], time: row[0],
                                        reliable: row[4])
            }
            try db.execute(sql: "DROP TABLE triage_values_v5")
        },
        // Issue 16, flash wear: an evaluation's row was over half a 1 KB page (its result_json the whole TriageResult,
        // repeating the row's columns), so each reading's commit wrote a page of its own for it. The stored result is
        // now only what the columns do not hold (`StoredEvaluation`); rows stored before are rewritten in that form,
        // a page of rows at a time (a year of them is thousands). A row already in it (a database taken back to an
        // older schema after this version wrote it) is left as it is; both forms are read.
        StoreMigration("triage.v8-lean-evaluations") { db in
            var after: Int64 = 0
            while case let rows = try Row.fetchAll(db, sql: """
                    SELECT rowid, result_json FROM triage_evaluations WHERE rowid > ? ORDER BY rowid LIMIT 500
                    """, arguments: [after]), let last = rows.last {
                for row in rows {
                    let json: String = row[1]
                    guard let whole = try? JSONDecoder().decode(TriageResult.self, from: Data(json.utf8)) else { continue }
                    try db.execute(sql: "UPDATE triage_evaluations SET result_json = ? WHERE rowid = ?",
                                   arguments: [try StoredEvaluation.json(whole), row[0] as Int64])
                }
                after = last[0]
            }
        },
    ]

    /// Whether every triage migration has been applied to the database (the store was opened with them).
    static func isMigrated(_ db: Database) throws -> Bool {
        var migrator = DatabaseMigrator()
        for migration in migrations { migrator.registerMigration(migration.identifier) { _ in } }
        return try migrator.hasCompletedMigrations(db)
    }
}
