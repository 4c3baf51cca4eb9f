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
}

private typealias Columns = ReadingRecord.Columns

extension ReadingStore {
    /// The readings with the given row ids (those an outbox batch refers to), keyed by row id.
    public func storedReadings(rowIDs: [Int64]) async throws(StoreError) -> [Int64: StoredReading] {
        guard !rowIDs.isEmpty else { return [:] }
        return try await mapStoreErrors { try await writer.read { db in try Self.storedReadings(db, rowIDs: rowIDs) } }
    }

    static func storedReadings(_ db: Database, rowIDs: [Int64]) throws -> [Int64: StoredReading] {
        var result: [Int64: StoredReading] = [:]
        // Cached statements (see `RowIDList`): the claim reads its batch's readings every round.
        let records = try RowIDList.fetchAll(
            db, { "SELECT * FROM \(ReadingRecord.databaseTableName) WHERE \($0)" }, forEach: rowIDs, as: ReadingRecord.self)
        for record in records {
            let stored = try StoredReading(record)
            result[stored.rowID] = stored
        }
        return result
    }

    /// One reading by identifier, nil when unknown (or removed by retention).
    public func storedReading(_ id: ReadingID) async throws(StoreError) -> StoredReading? {
        try await mapStoreErrors {
            try await writer.read { db in
                try ReadingRecord.filter(Columns.identifier == id.rawValue).fetchOne(db).map(StoredReading.init)
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
                var request = ReadingRecord.filter(
                    Columns.measuredAt >= interval.start.unixMilliseconds && Columns.measuredAt <= interval.end.unixMilliseconds)
                if let kind { request = request.filter(Columns.kind == kind.rawValue) }
                if let sensor { request = request.filter(Columns.sensorKey == sensor.rawValue) }
                return try ReadingRecord.storedReadings(db, request.order(Columns.measuredAt, Columns.id))
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
                let heldItems = OutboxRecord
                    .filter(OutboxRecord.Columns.state == OutboxState.held.rawValue
                        && OutboxRecord.Columns.kind == OutboxKind.reading.rawValue)
                    .select(OutboxRecord.Columns.readingID)
                let request = ReadingRecord
                    .filter(Columns.id > (after ?? Int64.min) && heldItems.contains(Columns.id))
                    .order(Columns.id).limit(limit)
                return try ReadingRecord.storedReadings(db, request)
            }
        }
    }

    /// The `limit` most recently stored readings, newest first (what a technician wants to see: a record
    /// fetched today from a meter may have been measured weeks ago).
    public func latestReadings(limit: Int) async throws(StoreError) -> [StoredReading] {
        guard limit > 0 else { throw .invalidArgument("limit must be positive") }
        return try await mapStoreErrors {
            try await writer.read { db in
                try ReadingRecord.storedReadings(db, ReadingRecord.order(Columns.id.desc).limit(limit))
            }
        }
    }

    /// Number of readings currently stored.
    public func readingCount() async throws(StoreError) -> Int {
        try await mapStoreErrors {
            try await writer.read { db in try ReadingRecord.fetchCount(db) }
        }
    }
}

extension Array {
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
