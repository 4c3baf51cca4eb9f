import Foundation
import GRDB
import HealthProfiles

/// One row of the `readings` table, column for column (times in Unix milliseconds, the reading as its JSON). The
/// only place the table's column names are written; `StoredReading`, the public type, is built from it.
struct ReadingRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "readings"

    /// The row id; nil until inserted.
    var id: Int64?
    var identifier: String
    var sensorKey: String
    var kind: String
    var characteristic: Int
    var deviceTime: String?
    var sequenceNumber: Int?
    var userID: Int?
    var reliable: Bool
    var measuredAt: Int64
    var receivedAt: Int64
    var reading: Data
    var rawFrame: Data

    /// The columns queries name (the others are read and written through the Codable properties only).
    enum Columns {
        static let id = Column(CodingKeys.id)
        static let identifier = Column(CodingKeys.identifier)
        static let sensorKey = Column(CodingKeys.sensorKey)
        static let kind = Column(CodingKeys.kind)
        static let sequenceNumber = Column(CodingKeys.sequenceNumber)
        static let measuredAt = Column(CodingKeys.measuredAt)
        static let rawFrame = Column(CodingKeys.rawFrame)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension ReadingRecord {
    /// Decoded column by column rather than through `Codable`'s decoder (see `OutboxRecord.init(row:)`): the
    /// claim decodes the reading of every item it sends.
    init(row: Row) throws {
        id = row[CodingKeys.id.stringValue]
        identifier = row[CodingKeys.identifier.stringValue]
        sensorKey = row[CodingKeys.sensorKey.stringValue]
        kind = row[CodingKeys.kind.stringValue]
        characteristic = row[CodingKeys.characteristic.stringValue]
        deviceTime = row[CodingKeys.deviceTime.stringValue]
        sequenceNumber = row[CodingKeys.sequenceNumber.stringValue]
        userID = row[CodingKeys.userID.stringValue]
        reliable = row[CodingKeys.reliable.stringValue]
        measuredAt = row[CodingKeys.measuredAt.stringValue]
        receivedAt = row[CodingKeys.receivedAt.stringValue]
        reading = row[CodingKeys.reading.stringValue]
        rawFrame = row[CodingKeys.rawFrame.stringValue]
    }

    /// The row for a prepared reading.
    init(_ prepared: PreparedReading) {
        let request = prepared.request
        let reading = request.reading
        identifier = prepared.id.rawValue
        sensorKey = request.sensor.rawValue
        kind = reading.kind.rawValue
        characteristic = Int(reading.characteristic)
        deviceTime = reading.deviceTime?.description
        sequenceNumber = reading.sequenceNumber.map { Int($0) }
        userID = reading.userID.map { Int($0) }
        reliable = reading.isReliable
        measuredAt = request.measuredAt.unixMilliseconds
        receivedAt = request.receivedAt.unixMilliseconds
        self.reading = prepared.json
        rawFrame = Data(request.rawFrame)
    }
}

extension ReadingRecord {
    /// The columns a new row is inserted with (all but the row id, which SQLite assigns).
    private static let insertedColumns: [CodingKeys] = [
        .identifier, .sensorKey, .kind, .characteristic, .deviceTime, .sequenceNumber, .userID, .reliable, .measuredAt,
        .receivedAt, .reading, .rawFrame,
    ]

    private static let insertSQL = """
        INSERT INTO \(databaseTableName) (\(insertedColumns.map(\.stringValue).joined(separator: ", ")))
        VALUES (\(insertedColumns.map { _ in "?" }.joined(separator: ", ")))
        """

    /// Inserts the row with one cached statement and returns its row id. Every reading's commit runs this:
    /// GRDB's record insert would encode the record through `Codable` and compile its statement each time.
    func insertReturningRowID(_ db: Database) throws -> Int64 {
        try db.cachedStatement(sql: Self.insertSQL).execute(arguments: [
            identifier, sensorKey, kind, characteristic, deviceTime, sequenceNumber, userID, reliable, measuredAt,
            receivedAt, reading, rawFrame,
        ])
        return db.lastInsertedRowID
    }
}

extension StoredReading {
    init(_ record: ReadingRecord) throws(StoreError) {
        let table = ReadingRecord.databaseTableName
        guard let rowID = record.id else {
            throw .undecodableRow(table: table, detail: "reading \(record.identifier) has no row id")
        }
        guard let sensor = SensorKey(rawValue: record.sensorKey) else {
            throw .undecodableRow(table: table, detail: "bad sensor key for \(record.identifier)")
        }
        let reading: Reading
        do {
            reading = try Self.reading(record.reading)
        } catch {
            throw .undecodableRow(table: table, detail: "reading \(record.identifier): \(error)")
        }
        self.init(
            rowID: rowID, id: ReadingID(rawValue: record.identifier), sensor: sensor, reading: reading,
            measuredAt: Date(unixMilliseconds: record.measuredAt), receivedAt: Date(unixMilliseconds: record.receivedAt),
            rawFrame: Array(record.rawFrame))
    }
}

extension StoredReading {
    /// The stored `reading` column: read by hand (`StoredReadingJSON`, the claim's hot path), and by `JSONDecoder`
    /// when that does not recognise the bytes.
    static func reading(_ json: Data) throws -> Reading {
        if let fast = try? json.withUnsafeBytes({ bytes throws(StoredReadingJSON.Unexpected) in
            try StoredReadingJSON.reading(bytes)
        }) {
            return fast
        }
        return try JSONDecoder().decode(Reading.self, from: json)
    }
}

extension ReadingRecord {
    /// The public readings of the records `request` fetches, in order.
    static func storedReadings(_ db: Database, _ request: some FetchRequest<ReadingRecord>) throws -> [StoredReading] {
        try request.fetchAll(db).map(StoredReading.init)
    }
}
