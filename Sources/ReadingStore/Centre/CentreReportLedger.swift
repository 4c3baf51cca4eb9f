public import Foundation
import GRDB

/// What the centre has last been told about a thing of the hub (a technical alert's episode, a device's
/// inventory), so that each change is reported exactly once: the ledger row and the outbox item carrying the
/// report are written in one transaction, and a restart compares against the ledger, not against memory.
extension ReadingStore {
    public struct CentreReport: Sendable, Equatable {
        /// What the report is about ("alert|bluetooth-unavailable|", "device|AA:BB:…").
        public var subject: String
        /// What the centre was told (an episode's Flag identifier, a device's fingerprint).
        public var state: String
        public var since: Date
    }

    /// The ledger's table; pass with the other modules' migrations to `ReadingStore.open`.
    public static let centreReportMigrations: [StoreMigration] = [
        StoreMigration("centre-reports.v1") { db in
            try db.execute(sql: """
                CREATE TABLE centre_reports (
                    subject TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    since INTEGER NOT NULL
                )
                """)
        },
    ]

    /// The ledger rows whose subject starts with `prefix`, by subject.
    public func centreReports(prefix: String) async throws(StoreError) -> [String: CentreReport] {
        try await mapStoreErrors {
            try await writer.read { db in
                // substr, not LIKE: a subject may contain LIKE's wildcards.
                let subject = CentreReportRecord.Columns.subject
                let records = try CentreReportRecord
                    .filter(literal: "substr(\(subject), 1, length(\(prefix))) = \(prefix)")
                    .fetchAll(db)
                var reports: [String: CentreReport] = [:]
                for record in records {
                    reports[record.subject] = CentreReport(
                        subject: record.subject, state: record.state, since: Date(unixMilliseconds: record.since))
                }
                return reports
            }
        }
    }

    /// Records that the centre is being told `state` about `subject` (nil: the subject is closed and its row
    /// removed) and queues the report, in one transaction. Nothing is written when the ledger already says
    /// `state` (a second call is harmless). Returns whether a report was queued.
    @discardableResult
    public func reportToCentre(
        subject: String, state: String?, kind: OutboxKind, key: String, payload: [UInt8], sequenceKey: String?,
        now: Date = Date()
    ) async throws(StoreError) -> Bool {
        try await mapStoreErrors {
            try await commit { db in
                let current = try CentreReportRecord.fetchOne(db, key: subject)
                guard current?.state != state else { return false }
                if let state {
                    try CentreReportRecord(subject: subject, state: state, since: now.unixMilliseconds).upsert(db)
                } else {
                    try CentreReportRecord.deleteOne(db, key: subject)
                }
                try Outbox.enqueue(db, kind: kind, key: key, payload: payload, sequenceKey: sequenceKey, now: now)
                return true
            }
        }
    }
}
