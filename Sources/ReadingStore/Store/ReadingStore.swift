import Dispatch
import GRDB
public import Logging
import Synchronization

/// The gateway's durable store: readings, sensors and the delivery outbox, in one SQLite file.
///
/// Durability: the database runs in WAL mode and every durable commit has been fsync'ed to the WAL before the
/// call returns (SQLite's `synchronous = FULL`, done as NORMAL plus a sync of the log after the commit:
/// `CommitDurability`). `ingest` returns only after that commit, which is what lets the gateway acknowledge the
/// device afterwards: a reading it acknowledged survives a crash or a power cut. Only the forwarder's bookkeeping
/// (claim, delivery mark, retry time), whose loss is harmless, is not synced; the next durable commit makes it
/// durable too (`CommitDurability`, `StorePragmas`).
///
/// Concurrency: all writes go through GRDB's single writer connection (serialised, off the cooperative
/// pool); reads use a pool of reader connections and never block writes. Several processes may open the
/// same file (the daemon, `outbox-drain`, dhoctl); SQLite's locking and the busy timeout arbitrate.
public final class ReadingStore: Sendable {
    /// The store's own connections. Not handed out: a module with tables here registers its migrations with
    /// `open(_:migrations:)` and works in them through `write { unit in ... }` and `read { db in ... }`
    /// (`StoreUnitOfWork`), reaching the store's tables only through typed operations.
    let writer: DatabasePool
    /// Durable commits whose log sync returned (`commit`): lets a test see which operations sync.
    let durableSyncs = Atomic<Int>(0)
    /// `durableSyncs` for other modules' tests.
    package var durableSyncCount: Int { durableSyncs.load(ordering: .relaxed) }
    public let configuration: StoreConfiguration
    let logger: Logger

    private init(writer: DatabasePool, configuration: StoreConfiguration, logger: Logger) {
        self.writer = writer
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens (creating if needed) the store, applies the store's migrations and then `migrations`, and
    /// returns items left in flight by a crash to the queue. Run one forwarder per store at a time: a second
    /// process opening the store returns the first one's in-flight items to the queue too (harmless, the
    /// receiver absorbs the resend, but wasteful).
    public static func open(
        _ configuration: StoreConfiguration, migrations: [StoreMigration] = [],
        logger: Logger = Logger(label: "dho.store")
    ) throws(StoreError) -> ReadingStore {
        let migrator = try Schema.migrator(additional: migrations)
        try DatabaseFile.prepare(path: configuration.path)

        var grdb = Configuration()
        grdb.label = "dho.store"
        grdb.foreignKeysEnabled = true
        grdb.busyMode = .timeout(configuration.busyTimeoutSeconds)
        // Threads and memory (issue 16). Each GRDB connection has a serial queue that, by default, takes a thread of
        // its own from dispatch's unbounded overcommit pool whenever it has work, so under load the writer and up to
        // five readers each held a thread (12 in all), and each reader kept its own page cache. Two readers cover
        // the daemon (the forwarder's claim reads and a command's read at the same time; a third waits), and their
        // work and the writer's run on the width-bounded global pool that Swift concurrency also uses.
        grdb.maximumReaderCount = 2
        grdb.targetQueue = DispatchQueue.global()
        let maximumSize = configuration.maximumSize
        grdb.prepareDatabase { db in
            try StorePragmas.prepare(db)
            // Per connection; only the writer ever grows the file, readers get it for consistency.
            if let maximumSize {
                let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA max_page_count = \(max(1, maximumSize / max(pageSize, 512)))")
            }
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: configuration.path, configuration: grdb)
        } catch {
            let mapped = StoreError.from(error)
            if case .database = mapped { throw .cannotOpen(path: configuration.path, reason: mapped.description) }
            throw mapped
        }
        // The writer connection (the only one that commits) at NORMAL, checked: a durable commit syncs the log
        // itself (`CommitDurability`); a connection left at FULL would sync every bookkeeping commit too.
        let synchronous = try mapStoreErrors { try pool.writeWithoutTransaction(StorePragmas.prepareWriter) }
        guard synchronous == StorePragmas.writerSynchronous.level else {
            throw .cannotOpen(path: configuration.path, reason: "SQLite refused synchronous = \(StorePragmas.writerSynchronous.name)")
        }
        // Migrations commit outside `commit`: their log is synced once they are all done.
        try mapStoreErrors {
            try migrator.migrate(pool)
            try pool.writeWithoutTransaction(StorePragmas.syncWriteAheadLog)
        }
        try DatabaseFile.verify(path: configuration.path)

        let store = ReadingStore(writer: pool, configuration: configuration, logger: logger)
        if let usage = try? store.storageUsageNow(), let limit = usage.maximumBytes, usage.bytes >= limit {
            logger.warning("the database is at its size quota; new readings cannot be stored until it is raised", metadata: [
                "bytes": "\(usage.bytes)", "quota": "\(limit)",
            ])
        }
        let recovered = try mapStoreErrors { try pool.write { db in try Outbox.recoverInFlight(db) } }
        if recovered > 0 {
            logger.notice("returned outbox items left in flight by an earlier run to the queue", metadata: [
                "count": "\(recovered)",
            ])
        }
        return store
    }

    /// Checkpoints the WAL and closes every connection. Further use throws.
    ///
    /// The explicit checkpoint is needed: GRDB closes the writer before its readers, and the last connection
    /// to close, a read-only reader, cannot checkpoint, so the committed pages would stay in `-wal` and the
    /// database file alone (a copy, a backup) would miss them. Passive, so that a reader in another process
    /// (dhoctl) never delays a shutdown; what it blocks is checkpointed by whoever opens the store next.
    public func close() throws(StoreError) {
        _ = try? writer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        try mapStoreErrors { try writer.close() }
    }

    /// How big the database is and its quota (`StoreConfiguration.maximumSize`, in whole pages).
    public func storageUsage() async throws(StoreError) -> StorageUsage {
        try await mapStoreErrors { try await writer.read { db in try Self.storageUsage(db, quota: self.configuration.maximumSize) } }
    }

    func storageUsageNow() throws(StoreError) -> StorageUsage {
        try mapStoreErrors { try writer.read { db in try Self.storageUsage(db, quota: configuration.maximumSize) } }
    }

    static func storageUsage(_ db: Database, quota: Int64?) throws -> StorageUsage {
        let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        let maximumPages = try Int64.fetchOne(db, sql: "PRAGMA max_page_count") ?? 0
        return StorageUsage(bytes: pages * pageSize, maximumBytes: quota == nil ? nil : maximumPages * pageSize)
    }

    /// Runs `PRAGMA integrity_check`; returns SQLite's findings, `["ok"]` when the file is sound.
    public func integrityCheck() async throws(StoreError) -> [String] {
        try await mapStoreErrors {
            try await writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        }
    }
}

/// The database's size against its quota.
public struct StorageUsage: Sendable, Hashable, Codable {
    /// Pages in use × page size (the WAL not yet checkpointed is not counted).
    public var bytes: Int64
    /// The quota in whole pages × page size; nil when none is configured.
    public var maximumBytes: Int64?

    public init(bytes: Int64, maximumBytes: Int64?) {
        self.bytes = bytes
        self.maximumBytes = maximumBytes
    }
}
