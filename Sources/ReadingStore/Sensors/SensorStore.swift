import Foundation
import GRDB

extension ReadingStore {
    /// Inserts the sensor or merges `update` into its record (nil fields keep the stored value).
    /// Sensor rows are never deleted by retention: the centre's device inventory depends on them.
    public func upsertSensor(_ update: SensorUpdate) async throws(StoreError) {
        if let level = update.batteryLevel, !(0...100).contains(level) {
            throw .invalidArgument("battery level \(level) is outside 0...100")
        }
        let now = Date()
        try await mapStoreErrors {
            try await commit { db in
                try db.execute(sql: """
                    INSERT INTO sensors (key, address, manufacturer, model, serial, firmware, hardware, software,
                                         systemID, profile, batteryLevel, clockOffsetMs, firstSeenAt, lastSeenAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET
                        address = COALESCE(excluded.address, address),
                        manufacturer = COALESCE(excluded.manufacturer, manufacturer),
                        model = COALESCE(excluded.model, model),
                        serial = COALESCE(excluded.serial, serial),
                        firmware = COALESCE(excluded.firmware, firmware),
                        hardware = COALESCE(excluded.hardware, hardware),
                        software = COALESCE(excluded.software, software),
                        systemID = COALESCE(excluded.systemID, systemID),
                        profile = COALESCE(excluded.profile, profile),
                        batteryLevel = COALESCE(excluded.batteryLevel, batteryLevel),
                        clockOffsetMs = COALESCE(excluded.clockOffsetMs, clockOffsetMs),
                        lastSeenAt = COALESCE(MAX(excluded.lastSeenAt, lastSeenAt), excluded.lastSeenAt, lastSeenAt)
                    """, arguments: [
                        update.key.rawValue, update.address, update.manufacturer, update.model, update.serial,
                        update.firmware, update.hardware, update.software, update.systemID, update.profile,
                        update.batteryLevel, update.clockOffset.map { Int64(($0 * 1000).rounded()) },
                        (update.seenAt ?? now).unixMilliseconds, update.seenAt?.unixMilliseconds,
                    ])
            }
        }
    }

    public func sensor(_ key: SensorKey) async throws(StoreError) -> SensorRecord? {
        try await mapStoreErrors {
            try await writer.read { db in
                try SensorTableRecord.fetchOne(db, key: key.rawValue).map(SensorRecord.init)
            }
        }
    }

    /// Every sensor the gateway has seen, ordered by key.
    public func sensors() async throws(StoreError) -> [SensorRecord] {
        try await mapStoreErrors {
            try await writer.read { db in
                try SensorTableRecord.order(SensorTableRecord.Columns.key).fetchAll(db).map(SensorRecord.init)
            }
        }
    }

    /// The records of the given sensors, keyed by sensor key (unknown keys are absent).
    public func sensors(_ keys: Set<SensorKey>) async throws(StoreError) -> [SensorKey: SensorRecord] {
        guard !keys.isEmpty else { return [:] }
        return try await mapStoreErrors { try await writer.read { db in try Self.sensors(db, keys) } }
    }

    static func sensors(_ db: Database, _ keys: Set<SensorKey>) throws -> [SensorKey: SensorRecord] {
        guard !keys.isEmpty else { return [:] }
        var result: [SensorKey: SensorRecord] = [:]
        // One cached statement per key, not GRDB's `fetchAll(keys:)`, which builds and compiles its SQL on every
        // call: the forwarder's claim asks for its batch's sensors (one or two) every round, and that compile was
        // 5 % of the daemon's CPU under `bench resources`' load (perf, issue 16).
        let statement = try db.cachedStatement(sql: "SELECT * FROM \(SensorTableRecord.databaseTableName) WHERE key = ?")
        for key in keys {
            if let row = try SensorTableRecord.fetchOne(statement, arguments: [key.rawValue]) {
                let record = try SensorRecord(row)
                result[record.key] = record
            }
        }
        return result
    }
}
