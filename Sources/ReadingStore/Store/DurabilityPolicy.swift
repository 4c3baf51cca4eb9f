import GRDB
import GRDBSQLite

/// How durable one commit must be: whether the write-ahead log is synced after it.
///
/// The writer connection runs at `synchronous = NORMAL`: a commit is written to the log but not fsync'ed. SQLite's
/// FULL in WAL mode is exactly NORMAL plus one sync of the log after each commit (sqlite.org, "PRAGMA
/// synchronous"); a durable commit does that sync itself, through SQLite's own handle of the log
/// (`StorePragmas.syncWriteAheadLog`). The log is only ever appended to and SQLite replays it only up to the first
/// frame that did not reach the disk, so a power cut can lose the bookkeeping commits after the last durable one,
/// never a durable commit, and never a bookkeeping commit followed by a durable one.
///
/// Why not switch `PRAGMA synchronous` between FULL and NORMAL per commit (what the store did before): the pragma
/// acts when SQLite compiles it, so it cannot be a cached statement, and under a live flow the level changed twice
/// a reading (NORMAL for the forwarder's claim, FULL again for the next reading): two statements compiled per
/// reading, 2.7–2.9 % of the daemon's CPU under load (perf, issue 16). The sync after the commit is the same system
/// call FULL makes (`fdatasync` of the log; `bench resources` counts one per reading with `strace`).
public enum CommitDurability: Sendable, Hashable {
    /// Synced before the call returns. Everything the gateway promises not to lose: a reading (the device is
    /// acknowledged afterwards) and its triage, alerts and Flags, a device's provisioning, a care plan, a park, a
    /// reset. The default for every write.
    case durable
    /// Not synced: for the forwarder's bookkeeping, whose loss on a power cut is harmless because the outbox then
    /// simply holds an older state and every send is idempotent at the receiver (conditional create on the
    /// reading's stable identifier): a lost claim leaves the item pending, so it is sent again; a lost delivery
    /// mark leaves it pending or in flight (which `open` returns to the queue), so it is sent again and the
    /// receiver finds it already there; a lost retry time makes it due earlier. Also a device's last visit (when,
    /// how it ended, the failures in a row): a lost one shows the visit before it, and the next visit writes it anew.
    case bookkeeping
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

    /// The writer connection's level: every commit is written to the log; a durable one then syncs it
    /// (`CommitDurability`).
    static let writerSynchronous = (name: "NORMAL", level: 1)

    /// For the writer connection, once it is in WAL mode: the synchronous level, checkpoint policy. Returns the
    /// synchronous level SQLite reports afterwards, for the caller to check.
    static func prepareWriter(_ db: Database) throws -> Int? {
        try db.execute(sql: """
            PRAGMA synchronous = \(writerSynchronous.name);
            PRAGMA wal_autocheckpoint = \(walAutocheckpointFrames);
            PRAGMA journal_size_limit = \(journalSizeLimitBytes);
            """)
        return try Int.fetchOne(db, sql: "PRAGMA synchronous")
    }

    /// Syncs the write-ahead log to the disk: what `synchronous = FULL` does after each commit in WAL mode, here
    /// after a durable commit only. Through SQLite's own handle of the log (`SQLITE_FCNTL_JOURNAL_POINTER`, its VFS
    /// `xSync` with the flags SQLite's WAL commit uses), so it is always the log the connection writes, whatever
    /// SQLite did with the file before. Called on the writer's queue, outside a transaction, after the commit.
    static func syncWriteAheadLog(_ db: Database) throws {
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the writer connection is closed")
        }
        var log: UnsafeMutablePointer<sqlite3_file>?
        let found = sqlite3_file_control(connection, "main", SQLITE_FCNTL_JOURNAL_POINTER, &log)
        guard found == SQLITE_OK, let log, let sync = log.pointee.pMethods?.pointee.xSync else {
            throw DatabaseError(
                resultCode: found == SQLITE_OK ? .SQLITE_CANTOPEN : ResultCode(rawValue: found),
                message: "the write-ahead log is not open: a commit cannot be made durable")
        }
        let code = sync(log, SQLITE_SYNC_NORMAL)
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "the write-ahead log could not be synced")
        }
    }
}
