public import Foundation
import GRDB
public import HealthProfiles

/// A reading as the store holds it: what the device said plus the gateway's identity and times.
public struct StoredReading: Sendable, Hashable {
    /// SQLite row id: the order readings were stored in.
    public var rowID: Int64
    public var id: ReadingID
    public var sensor: SensorKey
    public var reading: Reading
    /// The measurement instant on the gateway's clock (device time corrected by the gateway).
    public var measuredAt: Date
    /// When the gateway received the frame.
    public var receivedAt: Date
    /// The frame exactly as received, for audit and re-decoding.
    public var rawFrame: [UInt8]

    public init(
        rowID: Int64, id: ReadingID, sensor: SensorKey, reading: Reading, measuredAt: Date, receivedAt: Date,
        rawFrame: [UInt8]
    ) {
        self.rowID = rowID
        self.id = id
        self.sensor = sensor
        self.reading = reading
        self.measuredAt = measuredAt
        self.receivedAt = receivedAt
        self.rawFrame = rawFrame
    }

    static let columns = "id, identifier, sensorKey, measuredAt, receivedAt, reading, rawFrame"

    init(row: Row) throws {
        let identifier = try row.decode(String.self, forColumn: "identifier")
        let sensorText = try row.decode(String.self, forColumn: "sensorKey")
        guard let sensor = SensorKey(rawValue: sensorText) else {
            throw StoreError.undecodableRow(table: "readings", detail: "bad sensor key for \(identifier)")
        }
        let json = try row.decode(Data.self, forColumn: "reading")
        do {
            reading = try JSONDecoder().decode(Reading.self, from: json)
        } catch {
            throw StoreError.undecodableRow(table: "readings", detail: "reading \(identifier): \(error)")
        }
        rowID = try row.decode(Int64.self, forColumn: "id")
        id = ReadingID(rawValue: identifier)
        self.sensor = sensor
        measuredAt = Date(unixMilliseconds: try row.decode(Int64.self, forColumn: "measuredAt"))
        receivedAt = Date(unixMilliseconds: try row.decode(Int64.self, forColumn: "receivedAt"))
        rawFrame = Array(try row.decode(Data.self, forColumn: "rawFrame"))
    }
}

extension ReadingStore {
    /// The readings with the given row ids (those an outbox batch refers to), keyed by row id.
    public func storedReadings(rowIDs: [Int64]) async throws(StoreError) -> [Int64: StoredReading] {
        guard !rowIDs.isEmpty else { return [:] }
        return try await mapStoreErrors { try await writer.read { db in try Self.storedReadings(db, rowIDs: rowIDs) } }
    }

    static func storedReadings(_ db: Database, rowIDs: [Int64]) throws -> [Int64: StoredReading] {
        var result: [Int64: StoredReading] = [:]
        // Chunked to stay below SQLite's bound-parameter limit.
        for chunk in rowIDs.chunked(into: 500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(StoredReading.columns) FROM readings WHERE id IN (\(marks))",
                arguments: StatementArguments(chunk))
            for row in rows {
                let stored = try StoredReading(row: row)
                result[stored.rowID] = stored
            }
        }
        return result
    }

    /// One reading by identifier, nil when unknown (or removed by retention).
    public func storedReading(_ id: ReadingID) async throws(StoreError) -> StoredReading? {
        try await mapStoreErrors {
            try await writer.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT \(StoredReading.columns) FROM readings WHERE identifier = ?",
                    arguments: [id.rawValue]
                ).map(StoredReading.init(row:))
            }
        }
    }

    /// Readings measured in `interval` (gateway clock), oldest first; optionally one kind or one sensor.
    /// Triage uses this for baselines ("14 days of habitual values").
    public func readings(
        measuredIn interval: DateInterval, kind: ReadingKind? = nil, sensor: SensorKey? = nil
    ) async throws(StoreError) -> [StoredReading] {
        try await mapStoreErrors {
            try await writer.read { db in
                var sql = "SELECT \(StoredReading.columns) FROM readings WHERE measuredAt >= ? AND measuredAt <= ?"
                var arguments: StatementArguments = [interval.start.unixMilliseconds, interval.end.unixMilliseconds]
                if let kind {
                    sql += " AND kind = ?"
                    arguments += [kind.rawValue]
                }
                if let sensor {
                    sql += " AND sensorKey = ?"
                    arguments += [sensor.rawValue]
                }
                sql += " ORDER BY measuredAt, id"
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map(StoredReading.init(row:))
            }
        }
    }

    /// Readings whose outbox item is still held (ingested with `held: true`, not yet released), in the order
    /// they were stored, from after row `after` (for paging). At start-up the gateway has triage evaluate and
    /// release these: they are the readings a crash caught between ingest and triage.
    public func heldReadings(after: Int64? = nil, limit: Int = 1000) async throws(StoreError) -> [StoredReading] {
        guard limit > 0 else { throw .invalidArgument("limit must be positive") }
        return try await mapStoreErrors {
            try await writer.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT \(StoredReading.columns) FROM readings
                    WHERE id > ? AND id IN (SELECT readingID FROM outbox WHERE state = 'held' AND kind = 'reading')
                    ORDER BY id LIMIT ?
                    """, arguments: [after ?? Int64.min, limit]).map(StoredReading.init(row:))
            }
        }
    }

    /// The `limit` most recently stored readings, newest first (what a technician wants to see: a record
    /// fetched today from a meter may have been measured weeks ago).
    public func latestReadings(limit: Int) async throws(StoreError) -> [StoredReading] {
        guard limit > 0 else { throw .invalidArgument("limit must be positive") }
        return try await mapStoreErrors {
            try await writer.read { db in
                try Row.fetchAll(db, sql: "SELECT \(StoredReading.columns) FROM readings ORDER BY id DESC LIMIT ?",
                                 arguments: [limit]).map(StoredReading.init(row:))
            }
        }
    }

    /// Number of readings currently stored.
    public func readingCount() async throws(StoreError) -> Int {
        try await mapStoreErrors {
            try await writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM readings") ?? 0 }
        }
    }
}

extension Array {
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
