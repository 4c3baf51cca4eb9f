public import Foundation
public import ReadingStore
import GRDB

/// The hub's list of provisioned devices and their per-device state (RACP cursor, visit outcomes), kept in
/// the gateway's database beside the readings so that pairing, cursor and readings share one backup,
/// one file mode and one reset.
///
/// Its tables (`gateway_*`) are its own, with its own migrations, not the store's: nothing in them is part of
/// a reading's way to the centre, and no store operation needs them, so the registry owns them and works in
/// them through the store's unit of work (`writeOwnTables`, `read`, the reset's `StoreUnitOfWork`) without
/// ever touching the store's tables. Moving them behind typed store APIs would make the store know devices.
private typealias Columns = GatewayDeviceRecord.Columns

public struct DeviceRegistry: Sendable {
    let store: ReadingStore

    public init(store: ReadingStore) { self.store = store }

    public static let migrations: [StoreMigration] = [
        StoreMigration("gateway.v1") { db in
            try db.execute(sql: """
                CREATE TABLE gateway_devices (
                    address TEXT PRIMARY KEY NOT NULL,
                    profile TEXT NOT NULL,
                    name TEXT,
                    userIndex INTEGER,
                    provisionedBy TEXT NOT NULL,
                    provisionedAt REAL NOT NULL,
                    lastSequenceNumber INTEGER,
                    lastVisitAt REAL,
                    lastVisitResult TEXT,
                    consecutiveFailures INTEGER NOT NULL DEFAULT 0
                )
                """)
        },
        // Bonds bluetoothd still holds for devices a reset forgot: the reset's transaction lists them here, and
        // they are removed from bluetoothd after the commit, at start-up and by the maintenance loop until done.
        StoreMigration("gateway.v2") { db in
            try db.execute(sql: "CREATE TABLE gateway_bond_removals (address TEXT PRIMARY KEY NOT NULL)")
        },
        // Whether the device's memory is the patient's own (not a lent device's previous user's).
        StoreMigration("gateway.memory-owner") { db in
            try db.execute(sql: "ALTER TABLE gateway_devices ADD COLUMN memoryIsPatients INTEGER NOT NULL DEFAULT 0")
        },
        // A glucometer's record numbering: how many times it restarted (reset, battery, replacement under the same
        // address). Kept when the device is forgotten, so that a record of a new numbering never takes the
        // identity of an old one with the same sequence number and bytes (`ReadingIdentity`, series).
        StoreMigration("gateway.record-series") { db in
            try db.execute(sql: "CREATE TABLE gateway_record_series (address TEXT PRIMARY KEY NOT NULL, series INTEGER NOT NULL)")
        },
        // A lent glucometer's memory at provisioning: its last record then (`memoryBoundary`), found on the first
        // visit after pairing (`memoryBoundaryPending`). Devices provisioned before keep their behaviour (0).
        StoreMigration("gateway.memory-boundary") { db in
            try db.execute(sql: "ALTER TABLE gateway_devices ADD COLUMN memoryBoundary INTEGER")
            try db.execute(sql: "ALTER TABLE gateway_devices ADD COLUMN memoryBoundaryPending INTEGER NOT NULL DEFAULT 0")
        },
        // A User Data Service device (a family scale): the patient's consent code, given on every connection, and
        // whether the patient is still to be registered as a new user of the device (on the next visit).
        StoreMigration("gateway.user-data") { db in
            try db.execute(sql: "ALTER TABLE gateway_devices ADD COLUMN consentCode INTEGER")
            try db.execute(sql: "ALTER TABLE gateway_devices ADD COLUMN userRegistrationPending INTEGER NOT NULL DEFAULT 0")
        },
        // A glucometer's identity as last read (Device Information serial number, Glucose Feature): when it differs
        // at a visit, the meter was replaced or reset (`DeviceVisit.recordCursor`). Kept when the device is forgotten,
        // like its record series, so that a meter swapped between forget and pair is still noticed.
        StoreMigration("gateway.device-identity") { db in
            try db.execute(sql: """
                CREATE TABLE gateway_device_identity (
                    address TEXT PRIMARY KEY NOT NULL, serialNumber TEXT, glucoseFeatures BLOB)
                """)
        },
        // An Omron cuff's accounting of the patient's records (`OmronRecordWatch`): a restart neither forgets an
        // episode of records taken by another phone nor misses one that began meanwhile. Dropped with the device.
        StoreMigration("gateway.record-watch") { db in
            try db.execute(sql: """
                CREATE TABLE gateway_record_watch (
                    address TEXT PRIMARY KEY NOT NULL, accounted INTEGER NOT NULL, advertised INTEGER, episodeRecords INTEGER)
                """)
        },
    ]

    /// Adds or re-provisions a device (re-pairing keeps its RACP cursor: the same records are not fetched twice).
    /// A device added (not re-paired) whose memory is not the patient's has its memory at provisioning marked on
    /// the first visit (`setMemoryBoundary`); re-pairing keeps that mark, unless now with `memoryIsPatients`.
    /// `userIndex`: on a multi-user device (cuffs and scales remember several people), the patient's user
    /// slot; readings of other users (a spouse) are then kept apart. nil: a single-user device (see `ReadingOwner`).
    /// `memoryIsPatients`: the readings the device stored before `time` are this patient's (their own device), not
    /// a lent device's previous user's; otherwise those are kept apart (`MeasurementTime.Source.beforeProvisioning`).
    /// `consentCode`: the device keeps its users' data behind a User Data Service consent code, given on every
    /// visit; without `userIndex` the patient is registered as a new user of the device on the next visit.
    public func provision(
        address: String, profile: String, name: String?, userIndex: Int? = nil, memoryIsPatients: Bool = false,
        consentCode: Int? = nil, by technician: String, at time: Date
    ) async throws {
        let normalized = try Self.normalizedAddress(address)
        try await store.writeOwnTables { db in
            try db.execute(sql: """
                INSERT INTO gateway_devices (address, profile, name, userIndex, provisionedBy, provisionedAt, memoryIsPatients,
                                             memoryBoundaryPending, consentCode, userRegistrationPending)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(address) DO UPDATE SET profile = excluded.profile, name = excluded.name,
                    userIndex = excluded.userIndex, memoryIsPatients = excluded.memoryIsPatients,
                    provisionedBy = excluded.provisionedBy, provisionedAt = excluded.provisionedAt,
                    consecutiveFailures = 0,
                    memoryBoundary = CASE WHEN excluded.memoryIsPatients THEN NULL ELSE memoryBoundary END,
                    memoryBoundaryPending = CASE WHEN excluded.memoryIsPatients THEN 0 ELSE memoryBoundaryPending END,
                    consentCode = excluded.consentCode, userRegistrationPending = excluded.userRegistrationPending
                """, arguments: [normalized, profile, name, userIndex, technician, time.timeIntervalSince1970, memoryIsPatients,
                                 !memoryIsPatients, consentCode, consentCode != nil && userIndex == nil])
            // Paired again for the new patient: its new bond must not be removed as the old patient's.
            try BondRemovalRecord.deleteOne(db, key: normalized)
            try Self.forgetRecordWatch(db, address: normalized)
        }
    }

    /// Removes a device from the hub. Its readings stay (and are still delivered); its frames are refused.
    @discardableResult
    public func forget(address: String) async throws -> Bool {
        let normalized = try Self.normalizedAddress(address)
        return try await store.writeOwnTables { db in
            try Self.forgetRecordWatch(db, address: normalized)
            return try GatewayDeviceRecord.deleteOne(db, key: normalized)
        }
    }

    public func all() async throws -> [ProvisionedDevice] {
        try await store.read { db in
            try GatewayDeviceWithSeries.all(GatewayDeviceRecord.order(Columns.address)).fetchAll(db).map(\.provisionedDevice)
        }
    }

    public func device(address: String) async throws -> ProvisionedDevice? {
        guard let normalized = try? Self.normalizedAddress(address) else { return nil }
        return try await store.read { db in
            try Self.device(db, normalized)
        }
    }

    /// Moves the RACP cursor forward (never back: records arrive in any order within a transfer), round 0xFFFF to 0
    /// as the meter's numbering wraps (`RecordSequence.isAfter`).
    public func advanceCursor(address: String, to sequence: Int) async throws {
        let normalized = try Self.normalizedAddress(address)
        try await store.writeOwnTables { db in
            guard let row = try GatewayDeviceRecord.fetchOne(db, key: normalized),
                  RecordSequence.isAfter(sequence, row.lastSequenceNumber)
            else { return }
            try GatewayDeviceRecord.filter(key: normalized).updateAll(db, Columns.lastSequenceNumber.set(to: sequence))
        }
    }

    /// The meter's record numbering restarted: its records are fetched again from the first as a new series, in one
    /// transaction. The cursor becomes 0 ("≥ 1"), not NULL: NULL means provisioned afresh, whose first visit checks
    /// the numbering against the records stored before (`DeviceVisit.recordCursor`). Returns the device as it is now.
    public func restartRecordNumbering(address: String) async throws -> ProvisionedDevice? {
        let normalized = try Self.normalizedAddress(address)
        return try await store.writeOwnTables { db in
            let series = RecordSeriesRecord.Columns.series
            try db.execute(literal: """
                INSERT INTO \(RecordSeriesRecord.self) (\(RecordSeriesRecord.Columns.address), \(series)) VALUES (\(normalized), 1)
                ON CONFLICT(\(RecordSeriesRecord.Columns.address)) DO UPDATE SET \(series) = \(series) + 1
                """)
            // The memory boundary counted in the old numbering: the new one's records were all measured since.
            try GatewayDeviceRecord.filter(key: normalized).updateAll(
                db, Columns.lastSequenceNumber.set(to: 0), Columns.memoryBoundary.set(to: nil))
            return try Self.device(db, normalized)
        }
    }

    /// The glucometer's last record when it was provisioned (nil: its memory was empty): records up to it are the
    /// previous user's. Clears the pending mark. Returns the device as it is now.
    public func setMemoryBoundary(address: String, to sequence: Int?) async throws -> ProvisionedDevice? {
        let normalized = try Self.normalizedAddress(address)
        return try await store.writeOwnTables { db in
            try GatewayDeviceRecord.filter(key: normalized).updateAll(
                db, Columns.memoryBoundary.set(to: sequence), Columns.memoryBoundaryPending.set(to: false))
            return try Self.device(db, normalized)
        }
    }

    /// The device registered the patient as its user `index` (User Data Service): from now on that is theirs.
    public func userRegistered(address: String, index: Int) async throws -> ProvisionedDevice? {
        let normalized = try Self.normalizedAddress(address)
        return try await store.writeOwnTables { db in
            try GatewayDeviceRecord.filter(key: normalized).updateAll(
                db, Columns.userIndex.set(to: index), Columns.userRegistrationPending.set(to: false))
            return try Self.device(db, normalized)
        }
    }

    /// A visit's end: when, how, and the failures in a row. Bookkeeping, not synced on its own (issue 16: its fsync
    /// was a fifth of the wake-ups of a visit's end): a power cut can lose it until the next durable commit (the next
    /// reading), and then shows the visit before; nothing a reading's fate depends on is here (the record cursor,
    /// the provisioning and whose memory a device holds are durable writes of their own).
    public func recordVisit(address: String, at time: Date, failure: String?) async throws {
        let normalized = try Self.normalizedAddress(address)
        try await store.writeOwnTables(durability: .bookkeeping) { db in
            _ = try GatewayDeviceRecord.filter(key: normalized).updateAll(
                db,
                Columns.lastVisitAt.set(to: time.timeIntervalSince1970),
                Columns.lastVisitResult.set(to: failure ?? "ok"),
                failure == nil ? Columns.consecutiveFailures.set(to: 0) : (Columns.consecutiveFailures += 1))
        }
    }

    /// Forgets every device (hub reissued to another patient).
    public func forgetAll() async throws {
        try await store.write { unit in try Self.forgetAll(in: unit) }
    }

    /// Forgets every device inside the caller's transaction (the reset's) and lists each for the removal of
    /// its bond from bluetoothd, which cannot be part of a database transaction (see `BondRemovals`).
    public static func forgetAll(in unit: StoreUnitOfWork) throws {
        let db = unit.db
        try db.execute(sql: "INSERT OR IGNORE INTO gateway_bond_removals (address) SELECT address FROM gateway_devices")
        try GatewayDeviceRecord.deleteAll(db)
        // The next patient's devices are judged afresh: nothing of this patient's meters stays.
        try DeviceIdentityRecord.deleteAll(db)
        try forgetRecordWatch(db, address: nil)
    }

    /// Devices whose bond is still to be removed from bluetoothd.
    public func pendingBondRemovals() async throws -> [String] {
        try await store.read { db in
            try BondRemovalRecord.order(BondRemovalRecord.Columns.address).fetchAll(db).map(\.address)
        }
    }

    /// bluetoothd no longer holds the bond of `address`.
    public func bondRemoved(address: String) async throws {
        try await store.writeOwnTables { db in
            _ = try BondRemovalRecord.deleteOne(db, key: address)
        }
    }

    /// "AA:BB:CC:DD:EE:FF" in upper case; anything else is refused with a message for the technician.
    public static func normalizedAddress(_ text: String) throws(ControlError) -> String {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else {
            throw .badArguments("'\(text)' is not a Bluetooth address (expected AA:BB:CC:DD:EE:FF)")
        }
        return text.uppercased()
    }

    /// The device at `address` (normalized) with its record numbering, nil when not provisioned.
    static func device(_ db: Database, _ address: String) throws -> ProvisionedDevice? {
        try GatewayDeviceWithSeries.all(GatewayDeviceRecord.filter(key: address)).fetchOne(db)?.provisionedDevice
    }
}
