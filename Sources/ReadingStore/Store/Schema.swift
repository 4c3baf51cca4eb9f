import GRDB

/// The store's own tables. Identifiers of applied migrations are permanent: change the schema only by
/// appending a migration.
enum Schema {
    static let reservedPrefix = "store."

    static func migrator(additional: [StoreMigration]) throws(StoreError) -> DatabaseMigrator {
        var seen: Set<String> = []
        for migration in additional {
            guard !migration.identifier.isEmpty else { throw .invalidMigration("empty identifier") }
            guard !migration.identifier.hasPrefix(reservedPrefix) else {
                throw .invalidMigration("\(migration.identifier): the prefix \"\(reservedPrefix)\" is the store's own")
            }
            guard seen.insert(migration.identifier).inserted else {
                throw .invalidMigration("\(migration.identifier) is registered twice")
            }
        }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("store.v1", migrate: createV1)
        migrator.registerMigration("store.v2", migrate: createV2)
        migrator.registerMigration("store.v3", migrate: createV3)
        migrator.registerMigration("store.v4-annotation", migrate: createV4)
        migrator.registerMigration("store.v5-lean-indexes", migrate: createV5)
        migrator.registerMigration("store.v6-outbox-high-water", migrate: createV6)
        migrator.registerMigration("store.v7-reading-items-by-reading", migrate: createV7)
        for migration in additional {
            migrator.registerMigration(migration.identifier) { db in try migration.migrate(StoreUnitOfWork(db)) }
        }
        return migrator
    }

    @Sendable
    static func createV1(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE sensors (
                key TEXT PRIMARY KEY NOT NULL,
                address TEXT,
                manufacturer TEXT,
                model TEXT,
                serial TEXT,
                firmware TEXT,
                hardware TEXT,
                software TEXT,
                systemID TEXT,
                profile TEXT,
                batteryLevel INTEGER,
                clockOffsetMs INTEGER,
                firstSeenAt INTEGER NOT NULL,
                lastSeenAt INTEGER
            );

            CREATE TABLE readings (
                id INTEGER PRIMARY KEY,
                identifier TEXT NOT NULL UNIQUE,
                sensorKey TEXT NOT NULL REFERENCES sensors(key),
                kind TEXT NOT NULL,
                characteristic INTEGER NOT NULL,
                deviceTime TEXT,
                sequenceNumber INTEGER,
                userID INTEGER,
                reliable INTEGER NOT NULL,
                measuredAt INTEGER NOT NULL,
                receivedAt INTEGER NOT NULL,
                reading BLOB NOT NULL,
                rawFrame BLOB NOT NULL
            );
            CREATE INDEX readings_by_kind_time ON readings(kind, measuredAt);
            CREATE INDEX readings_by_sensor_time ON readings(sensorKey, measuredAt);
            CREATE INDEX readings_by_received ON readings(receivedAt);

            -- Identifiers of readings removed by retention, so that a device re-sending a record older than
            -- the retention window is still recognised as a duplicate (40-odd bytes per reading).
            CREATE TABLE reading_tombstones (
                identifier TEXT PRIMARY KEY NOT NULL,
                deletedAt INTEGER NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                itemKey TEXT NOT NULL,
                readingID INTEGER REFERENCES readings(id) ON DELETE CASCADE,
                payload BLOB,
                state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'in-flight', 'delivered', 'parked')),
                attempts INTEGER NOT NULL DEFAULT 0,
                enqueuedAt INTEGER NOT NULL,
                nextAttemptAt INTEGER NOT NULL,
                lastAttemptAt INTEGER,
                lastError TEXT,
                deliveredAt INTEGER,
                parkedAt INTEGER,
                parkReason TEXT,
                UNIQUE (kind, itemKey)
            );
            CREATE INDEX outbox_by_state ON outbox(state, id);
            CREATE INDEX outbox_by_reading ON outbox(readingID);

            CREATE TABLE store_meta (
                key TEXT PRIMARY KEY NOT NULL,
                value TEXT NOT NULL
            ) WITHOUT ROWID;
            """)
    }

    /// v2: outbox items can be *held* (stored but not yet to be sent: a reading waiting for triage) and can
    /// carry a *sequence key* (items with the same key are delivered strictly in the order they were queued:
    /// successive versions of one Flag). SQLite cannot change a CHECK constraint in place, so the table is
    /// rebuilt; ids are kept and the AUTOINCREMENT counter is carried over so that no id is ever reused.
    @Sendable
    static func createV2(_ db: Database) throws {
        let counter = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")
        try db.execute(sql: """
            CREATE TABLE outbox_v2 (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                itemKey TEXT NOT NULL,
                readingID INTEGER REFERENCES readings(id) ON DELETE CASCADE,
                payload BLOB,
                state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('held', 'pending', 'in-flight', 'delivered', 'parked')),
                attempts INTEGER NOT NULL DEFAULT 0,
                enqueuedAt INTEGER NOT NULL,
                nextAttemptAt INTEGER NOT NULL,
                lastAttemptAt INTEGER,
                lastError TEXT,
                deliveredAt INTEGER,
                parkedAt INTEGER,
                parkReason TEXT,
                sequenceKey TEXT,
                UNIQUE (kind, itemKey)
            );
            INSERT INTO outbox_v2 (id, kind, itemKey, readingID, payload, state, attempts, enqueuedAt, nextAttemptAt,
                                   lastAttemptAt, lastError, deliveredAt, parkedAt, parkReason)
                SELECT id, kind, itemKey, readingID, payload, state, attempts, enqueuedAt, nextAttemptAt,
                       lastAttemptAt, lastError, deliveredAt, parkedAt, parkReason
                FROM outbox;
            DROP TABLE outbox;
            ALTER TABLE outbox_v2 RENAME TO outbox;
            CREATE INDEX outbox_by_state ON outbox(state, id);
            CREATE INDEX outbox_by_reading ON outbox(readingID);
            CREATE INDEX outbox_by_sequence ON outbox(sequenceKey, id) WHERE sequenceKey IS NOT NULL;
            """)
        if let counter {
            try db.execute(
                sql: "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'outbox'", arguments: [counter])
            if db.changesCount == 0 {
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)", arguments: [counter])
            }
        }
    }

    /// v3: outbox items carry a *priority* (urgent: a red reading, an alert Flag; set by whoever queues or
    /// releases the item, so the forwarder never waits long with them) and, once parked, the *park context*
    /// (a fingerprint of the receiver settings and software version that saw the rejection, so that a change
    /// of either sends them again).
    @Sendable
    static func createV3(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE outbox ADD COLUMN parkContext TEXT;
            CREATE INDEX outbox_urgent ON outbox(state, id) WHERE priority > 0;
            """)
    }

    /// v4: an outbox item carries what the module releasing it attached for the forwarder (Triage: the reading's
    /// evaluation, from which the Observation's interpretation is built at send time without another look-up).
    @Sendable
    static func createV4(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE outbox ADD COLUMN annotation BLOB")
    }

    /// v5 (issue 16, flash wear): every index is at least one more page that each reading's commit writes to the
    /// WAL. `readings_by_kind_time` served no query of the gateway, and `readings_by_received` only retention's
    /// daily cut-off, which a scan of the readings answers as well.
    @Sendable
    static func createV5(_ db: Database) throws {
        try db.execute(sql: """
            DROP INDEX IF EXISTS readings_by_kind_time;
            DROP INDEX IF EXISTS readings_by_received;
            """)
    }

    /// v6 (issue 16, flash wear): the outbox without AUTOINCREMENT. Its counter lived in `sqlite_sequence`, one
    /// more page that every reading's commit wrote (to the WAL, and again at the checkpoint). Ids must still never
    /// be reused: the forwarder holds the ids of the items it sent until it records them delivered, and an item
    /// deleted meanwhile (a reset, a superseded check-in) must not lend its id to a new item, which would then be
    /// marked delivered unsent. A plain INTEGER PRIMARY KEY takes the highest id + 1, which reuses an id only
    /// after the highest row is deleted; a trigger records that id in `store_meta` (rarely: the newest item is
    /// almost never the one deleted) and `Outbox.enqueue` starts above it. SQLite cannot drop AUTOINCREMENT in
    /// place, so the table is rebuilt with every row and id, the counter carried over as the high-water mark.
    @Sendable
    static func createV6(_ db: Database) throws {
        let counter = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") ?? 0
        let columns = """
            id, kind, itemKey, readingID, payload, state, attempts, enqueuedAt, nextAttemptAt, lastAttemptAt,
            lastError, deliveredAt, parkedAt, parkReason, sequenceKey, priority, parkContext, annotation
            """
        try db.execute(sql: """
            CREATE TABLE outbox_v6 (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                itemKey TEXT NOT NULL,
                readingID INTEGER REFERENCES readings(id) ON DELETE CASCADE,
                payload BLOB,
                state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('held', 'pending', 'in-flight', 'delivered', 'parked')),
                attempts INTEGER NOT NULL DEFAULT 0,
                enqueuedAt INTEGER NOT NULL,
                nextAttemptAt INTEGER NOT NULL,
                lastAttemptAt INTEGER,
                lastError TEXT,
                deliveredAt INTEGER,
                parkedAt INTEGER,
                parkReason TEXT,
                sequenceKey TEXT,
                priority INTEGER NOT NULL DEFAULT 0,
                parkContext TEXT,
                annotation BLOB,
                UNIQUE (kind, itemKey)
            );
            INSERT INTO outbox_v6 (\(columns)) SELECT \(columns) FROM outbox;
            DROP TABLE outbox;
            ALTER TABLE outbox_v6 RENAME TO outbox;
            CREATE INDEX outbox_by_state ON outbox(state, id);
            CREATE INDEX outbox_by_reading ON outbox(readingID);
            CREATE INDEX outbox_by_sequence ON outbox(sequenceKey, id) WHERE sequenceKey IS NOT NULL;
            CREATE INDEX outbox_urgent ON outbox(state, id) WHERE priority > 0;
            CREATE TRIGGER outbox_keeps_its_high_water AFTER DELETE ON outbox
            WHEN old.id > COALESCE((SELECT MAX(id) FROM outbox), 0)
            BEGIN
                INSERT INTO store_meta (key, value) VALUES ('\(StoreMetaRecord.outboxHighWater)', old.id)
                ON CONFLICT(key) DO UPDATE
                SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER));
            END;
            """)
        try db.execute(
            sql: """
                INSERT INTO store_meta (key, value) VALUES (?, ?)
                ON CONFLICT(key) DO UPDATE SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))
                """,
            arguments: [StoreMetaRecord.outboxHighWater, String(counter)])
    }

    /// v7 (issue 16, flash wear): a reading's outbox item is no longer in the (kind, itemKey) unique index. Its key
    /// is the reading's identifier, a hash, so every reading's commit inserted into a random leaf of that index (and
    /// split leaves there): a second copy of what `readings.identifier` already keeps unique. A reading's item is
    /// now unique by, and found through, its reading row (`outbox_by_reading`, made unique: reading rows are
    /// numbered in order, so that index is only appended to); the (kind, itemKey) uniqueness stays for every
    /// other item (alerts, check-ins: idempotent enqueue, superseding). The table is rebuilt (a UNIQUE constraint
    /// cannot be dropped in place) with every row and id; the high-water trigger comes back as it was.
    @Sendable
    static func createV7(_ db: Database) throws {
        // A reading's item always has its row (ingest queues it with it; deleting the reading deletes the item),
        // but an item that lost it would no longer be unique by anything: give it back where the reading exists.
        try db.execute(sql: """
            UPDATE outbox SET readingID = (SELECT id FROM readings WHERE identifier = outbox.itemKey)
            WHERE kind = '\(OutboxKind.reading.rawValue)' AND readingID IS NULL
            """)
        let columns = """
            id, kind, itemKey, readingID, payload, state, attempts, enqueuedAt, nextAttemptAt, lastAttemptAt,
            lastError, deliveredAt, parkedAt, parkReason, sequenceKey, priority, parkContext, annotation
            """
        try db.execute(sql: """
            DROP TRIGGER outbox_keeps_its_high_water;
            CREATE TABLE outbox_v7 (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                itemKey TEXT NOT NULL,
                readingID INTEGER REFERENCES readings(id) ON DELETE CASCADE,
                payload BLOB,
                state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('held', 'pending', 'in-flight', 'delivered', 'parked')),
                attempts INTEGER NOT NULL DEFAULT 0,
                enqueuedAt INTEGER NOT NULL,
                nextAttemptAt INTEGER NOT NULL,
                lastAttemptAt INTEGER,
                lastError TEXT,
                deliveredAt INTEGER,
                parkedAt INTEGER,
                parkReason TEXT,
                sequenceKey TEXT,
                priority INTEGER NOT NULL DEFAULT 0,
                parkContext TEXT,
                annotation BLOB
            );
            INSERT INTO outbox_v7 (\(columns)) SELECT \(columns) FROM outbox;
            DROP TABLE outbox;
            ALTER TABLE outbox_v7 RENAME TO outbox;
            CREATE UNIQUE INDEX outbox_by_key ON outbox(kind, itemKey) WHERE \(Outbox.keyedItem);
            CREATE UNIQUE INDEX outbox_by_reading ON outbox(readingID);
            CREATE INDEX outbox_by_state ON outbox(state, id);
            CREATE INDEX outbox_by_sequence ON outbox(sequenceKey, id) WHERE sequenceKey IS NOT NULL;
            CREATE INDEX outbox_urgent ON outbox(state, id) WHERE priority > 0;
            CREATE TRIGGER outbox_keeps_its_high_water AFTER DELETE ON outbox
            WHEN old.id > COALESCE((SELECT MAX(id) FROM outbox), 0)
            BEGIN
                INSERT INTO store_meta (key, value) VALUES ('\(StoreMetaRecord.outboxHighWater)', old.id)
                ON CONFLICT(key) DO UPDATE
                SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER));
            END;
            """)
    }
}
