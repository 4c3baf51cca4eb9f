import Foundation
import GRDB
import HealthProfiles

/// `triage_values`: every triaged value in its vital's canonical unit, in a rowid table whose row id (`slot`) is the
/// measurement time (triage.v7-values-by-time).
///
/// A value's slot is its time in milliseconds times 2^20, plus how many values were stored before it in the same
/// millisecond: slots follow time, so a window or a baseline period is a range of slots (SQLite walks the table's
/// own b-tree, no index), and a reading's values, measured after those stored before, are appended at its right-hand
/// edge. Issue 16, flash wear: keyed by time in a `WITHOUT ROWID` b-tree (triage.v5) every leaf split went through
/// SQLite's general rebalancing of three siblings, appended or not (only a rowid table's append gets the quick split,
/// a new page and its parent): 2.4 pages per reading by `scripts/wal-pages` during `bench resources`. The queries
/// still compare `measured_at` itself; the slot range only narrows what they read (a superset: slots never decrease
/// with time).
enum ValueRecords {
    /// Slots of one millisecond.
    private static let slotsPerMillisecond: Int64 = 1 << 20
    /// Times beyond about ±278 years of 1970 share the first or last millisecond's slots (still found: the queries
    /// compare the time itself).
    private static let millisecondLimit = Double(Int64.max / slotsPerMillisecond - 1)

    /// The first slot of the millisecond `time` falls in.
    static func firstSlot(_ time: Double) -> Int64 {
        guard !time.isNaN else { return 0 }
        // The clamp also brings "no lower bound" (-greatestFiniteMagnitude, -infinity once in milliseconds) in range.
        let milliseconds = min(max((time * 1000).rounded(.down), -millisecondLimit), millisecondLimit)
        return Int64(milliseconds) * slotsPerMillisecond
    }

    /// The last slot of the millisecond `time` falls in.
    static func lastSlot(_ time: Double) -> Int64 { firstSlot(time) + slotsPerMillisecond - 1 }

    static func insert(
        _ db: Database, readingID: String, vital: VitalSign, value: Double, measuredAt: Date, reliable: Bool
    ) throws {
        try insert(db, readingID: readingID, vitalName: vital.rawValue, value: value,
                   time: measuredAt.timeIntervalSince1970, reliable: reliable)
    }

    /// `insert` of a value as a row holds it (triage.v7 moving triage.v5's rows).
    static func insert(
        _ db: Database, readingID: String, vitalName: String, value: Double, time: Double, reliable: Bool
    ) throws {
        // After the values of the same millisecond, unless this reading's value is one of them (a replay stores
        // nothing twice). Both look only at that millisecond's slots.
        try db.cachedStatement(sql: """
                INSERT INTO triage_values (slot, measured_at, vital, reading_id, value, reliable)
                SELECT coalesce((SELECT max(slot) FROM triage_values WHERE slot BETWEEN ?1 AND ?2), ?1 - 1) + 1,
                    ?3, ?4, ?5, ?6, ?7
                WHERE NOT EXISTS (SELECT 1 FROM triage_values
                    WHERE slot BETWEEN ?1 AND ?2 AND measured_at = ?3 AND vital = ?4 AND reading_id = ?5)
                """)
            .execute(arguments: [firstSlot(time), lastSlot(time), time, vitalName, readingID, value, reliable])
    }

    /// Reliable values of `vital` measured at or after `from`, oldest first (values of one time in the order they
    /// were stored).
    static func reliable(_ db: Database, vital: VitalSign, from: Date?) throws -> [(time: Date, value: Double)] {
        let from = from?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude
        return try Row.fetchAll(
            db,
            sql: """
                SELECT measured_at, value FROM triage_values
                WHERE slot >= ? AND vital = ? AND reliable = 1 AND measured_at >= ? ORDER BY measured_at, slot
                """,
            arguments: [firstSlot(from), vital.rawValue, from]
        ).map { (Date(timeIntervalSince1970: $0["measured_at"]), $0["value"]) }
    }

    /// When the first reliable value of `vital` at or after `from` was measured (nil: none yet). The walk in slot
    /// order stops at the first match, and the earliest time is in its millisecond: a baseline still collecting need
    /// not read every value it has.
    static func firstReliableTime(_ db: Database, vital: VitalSign, from: Date?) throws -> Date? {
        let from = from?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude
        return try Double.fetchOne(
            db.cachedStatement(sql: """
                SELECT min(measured_at) FROM triage_values
                WHERE vital = ?2 AND reliable = 1 AND measured_at >= ?3 AND slot >= ?1 AND slot <= (
                    SELECT slot | ?4 FROM triage_values WHERE slot >= ?1 AND vital = ?2 AND reliable = 1 AND measured_at >= ?3
                    ORDER BY slot LIMIT 1)
                """),
            arguments: [firstSlot(from), vital.rawValue, from, slotsPerMillisecond - 1]
        ).map(Date.init(timeIntervalSince1970:))
    }

    /// Lowest (`rise`) or highest (`drop`) reliable value of `vital` in [start, end), other readings only.
    static func windowReference(
        _ db: Database, vital: VitalSign, direction: ChangeDirection, start: Date, end: Date, excluding readingID: String
    ) throws -> Double? {
        let aggregate = direction == .rise ? "min" : "max"
        let (start, end) = (start.timeIntervalSince1970, end.timeIntervalSince1970)
        return try Double.fetchOne(
            db.cachedStatement(sql: """
                SELECT \(aggregate)(value) FROM triage_values
                WHERE slot BETWEEN ? AND ? AND vital = ? AND reliable = 1 AND measured_at >= ? AND measured_at < ?
                    AND reading_id <> ?
                """),
            arguments: [firstSlot(start), lastSlot(end), vital.rawValue, start, end, readingID])
    }

    /// Whether any value of `vitals` (reliable or not) was measured in [start, end].
    static func anyMeasured(_ db: Database, vitals: [VitalSign], start: Date, end: Date) throws -> Bool {
        guard !vitals.isEmpty else { return false }
        let marks = Array(repeating: "?", count: vitals.count).joined(separator: ", ")
        let (start, end) = (start.timeIntervalSince1970, end.timeIntervalSince1970)
        var arguments: StatementArguments = [firstSlot(start), lastSlot(end)]
        arguments += StatementArguments(vitals.map(\.rawValue))
        arguments += [start, end]
        return try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM triage_values
                WHERE slot BETWEEN ? AND ? AND vital IN (\(marks)) AND measured_at >= ? AND measured_at <= ?)
                """,
            arguments: arguments) ?? false
    }

    /// Deletes the values measured before `cutoff` except those of `keeping` (vitals whose habitual value is still
    /// being collected); returns how many.
    static func delete(_ db: Database, before cutoff: Double, keeping: [String]) throws -> Int {
        let marks = Array(repeating: "?", count: keeping.count).joined(separator: ", ")
        try db.execute(
            sql: "DELETE FROM triage_values WHERE slot <= ? AND measured_at < ?"
                + (keeping.isEmpty ? "" : " AND vital NOT IN (\(marks))"),
            arguments: StatementArguments([lastSlot(cutoff), cutoff] as [any DatabaseValueConvertible] + keeping))
        return db.changesCount
    }
}
