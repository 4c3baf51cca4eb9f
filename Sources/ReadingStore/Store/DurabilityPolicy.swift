import GRDB
import GRDBSQLite

/// How durable one commit must be: the only thing that decides the writer connection's `PRAGMA synchronous`.
///
/// In WAL mode a `synchronous = NORMAL` commit is written to the log but not fsync'ed; the next FULL commit's
/// fsync (or a checkpoint's) makes it durable together with everything before it, because the log is only ever
/// appended to and SQLite replays it only up to the first frame that did not reach the disk. So a power cut can
/// lose the NORMAL commits after the last FULL one, never a FULL commit, and never a NORMAL commit followed by
/// a FULL one.
public enum CommitDurability: Sendable, Hashable {
    /// `synchronous = FULL`: on disk before the call returns. Everything the gateway promises not to lose: a
    /// reading (the device is acknowledged afterwards) and its triage, alerts and Flags, a device's provisioning,
    /// a care plan, a park, a reset. The default for every write.
    case durable
    /// `synchronous = NORMAL`: for the forwarder's bookkeeping, whose loss on a power cut is harmless because the
    /// outbox then simply holds an older state and every send is idempotent at the receiver (conditional create
    /// on the reading's stable identifier): a lost claim leaves the item pending, so it is sent again; a lost
    /// delivery mark leaves it pending or in flight (which `open` returns to the queue), so it is sent again and
    /// the receiver finds it already there; a lost retry time makes it due earlier.
    case bookkeeping

    /// The value of `PRAGMA synchronous` for commits of this kind.
    var synchronous: String {
        switch self {
        case .durable: "FULL"
        case .bookkeeping: "NORMAL"
        }
    }

    /// The statement that sets it.
    var pragma: String { "PRAGMA synchronous = \(synchronous)" }

    /// `pragma` as `sqlite3_exec` takes it, built once per level rather than at every switch (twice a reading
    /// under a live flow; the interpolation and its C copy were 0.5 % of the daemon's CPU, issue 16).
    var pragmaCString: ContiguousArray<CChar> {
        switch self {
        case .durable: Self.pragmaCStrings.durable
        case .bookkeeping: Self.pragmaCStrings.bookkeeping
        }
    }

    private static let pragmaCStrings = (
        durable: CommitDurability.durable.pragma.utf8CString, bookkeeping: CommitDurability.bookkeeping.pragma.utf8CString)

    /// What `PRAGMA synchronous` reads back (FULL is 2, NORMAL 1).
    var synchronousLevel: Int {
        switch self {
        case .durable: 2
        case .bookkeeping: 1
        }
    }
}

/// Every pragma the store sets, in one place, each with why (README "Reading store": durability and flash wear).
/// A change to connection settings (cache sizes, say) belongs here too. Public for the ingest benchmark, whose
/// sqlite3 CLI runs with the same settings.
public enum StorePragmas {
    /// The page size of a database this store creates. SQLite fixes it when the file is first written, so an
    /// existing database keeps the size it was created with (4096 before issue 16) and works exactly as before.
    /// Every page a commit changes goes to the WAL whole: a reading's commit changes one leaf page of each table
    /// and index it inserts into (about 17 with triage), so the page size is most of what a reading costs in bytes
    /// written. The rows are a few hundred bytes (the reading's JSON, the evaluation, the annotation), well within
    /// what a 1024-byte leaf holds without overflow pages.
    public static let pageSizeForNewDatabases = 1024

    /// WAL frames after which a commit checkpoints (SQLite's default is 1000). A checkpoint copies each page of the
    /// log to the database once however many commits changed it, so a longer log copies the same hot pages (the
    /// right-hand leaves of every table and index, the leaves of the indexes keyed by a hash, page 1) fewer times
    /// per reading; and the disk writes whole 4 KB blocks, so a scattered 1 KB page costs a block. 8000 frames of
    /// 1 KB (about 8.4 MB of log, some 350 readings with their triage and forwarding): 4000 rewrote what is most of
    /// a young database's file every 150 readings (issue 16, `bench resources`). The price is a longer log to
    /// replay after a power cut and a checkpoint, in the commit that reaches the limit, twice as long.
    public static let walAutocheckpointFrames = 8000

    /// After a checkpoint, a log that grew past this (a long migration, a large import) is truncated back to it,
    /// so it is reused from its start, not kept large or grown again. Above the log `walAutocheckpointFrames`
    /// makes (8000 frames of 1 KB and their headers), so that the normal log is never cut and grown again.
    public static let journalSizeLimitBytes = 16 << 20

    /// For every connection, before SQLite first writes the file (GRDB switches it to WAL right after this).
    static func prepare(_ db: Database) throws {
        // A no-op on an existing database: only an empty file takes a page size.
        try db.execute(sql: "PRAGMA page_size = \(pageSizeForNewDatabases)")
    }

    /// For the writer connection, once it is in WAL mode: durable commits by default, checkpoint policy. Returns
    /// the synchronous level SQLite reports afterwards, for the caller to check.
    static func prepareWriter(_ db: Database) throws -> Int? {
        try db.execute(sql: """
            PRAGMA synchronous = \(CommitDurability.durable.synchronous);
            PRAGMA wal_autocheckpoint = \(walAutocheckpointFrames);
            PRAGMA journal_size_limit = \(journalSizeLimitBytes);
            """)
        return try Int.fetchOne(db, sql: "PRAGMA synchronous")
    }

    /// Sets the writer connection's synchronous level for the next commit (outside any transaction: SQLite refuses
    /// to change it inside one, with an error that this throws).
    ///
    /// Not read back: the pragma acts when SQLite compiles it, so it cannot be a cached statement, and under a
    /// live flow the level changes twice a round (NORMAL for the forwarder's bookkeeping, FULL again for the next
    /// reading); with a `PRAGMA synchronous` query after each, four statements compiled per reading were 3.5–5 %
    /// of the daemon's CPU (perf, issue 16). SQLite sets the level or fails the statement, so the store knows
    /// what it set (`ReadingStore.commit`); `prepareWriter` still checks the level once, when the store opens.
    ///
    /// Through `sqlite3_exec`, not GRDB's `execute`: for a statement run once and thrown away, GRDB's statement
    /// object, argument sink and authorizer bookkeeping cost as much as SQLite's own compile (perf under `bench
    /// resources`: 4.3 % of the daemon's samples for the two switches a round, half of it around `sqlite3_prepare`).
    static func setSynchronous(_ durability: CommitDurability, _ db: Database) throws {
        let connection = db.sqliteConnection
        let code = durability.pragmaCString.withUnsafeBufferPointer { sqlite3_exec(connection, $0.baseAddress, nil, nil, nil) }
        guard code == SQLITE_OK else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) },
                sql: durability.pragma)
        }
    }
}
