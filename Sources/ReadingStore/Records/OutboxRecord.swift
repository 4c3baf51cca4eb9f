import Foundation
import GRDB

/// One row of the `outbox` table, column for column (times in Unix milliseconds, as stored). The only place the
/// table's column names are written; `OutboxItem`, the public type, is built from it.
struct OutboxRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "outbox"

    var id: Int64
    var kind: String
    var itemKey: String
    var readingID: Int64?
    var payload: Data?
    var state: String
    var attempts: Int
    var enqueuedAt: Int64
    var nextAttemptAt: Int64
    var lastAttemptAt: Int64?
    var lastError: String?
    var deliveredAt: Int64?
    var parkedAt: Int64?
    var parkReason: String?
    var sequenceKey: String?
    var priority: Int
    var parkContext: String?
    var annotation: Data?

    /// The columns queries name (the others are read and written through the Codable properties only).
    enum Columns {
        static let id = Column(CodingKeys.id)
        static let kind = Column(CodingKeys.kind)
        static let itemKey = Column(CodingKeys.itemKey)
        static let readingID = Column(CodingKeys.readingID)
        static let state = Column(CodingKeys.state)
        static let attempts = Column(CodingKeys.attempts)
        static let nextAttemptAt = Column(CodingKeys.nextAttemptAt)
        static let lastAttemptAt = Column(CodingKeys.lastAttemptAt)
        static let lastError = Column(CodingKeys.lastError)
        static let deliveredAt = Column(CodingKeys.deliveredAt)
        static let parkedAt = Column(CodingKeys.parkedAt)
        static let parkReason = Column(CodingKeys.parkReason)
        static let parkContext = Column(CodingKeys.parkContext)
        static let annotation = Column(CodingKeys.annotation)
    }
}

extension OutboxRecord {
    /// Decoded column by column rather than through `Codable`'s decoder: the claim decodes every item of every
    /// batch, and the decoder made the backlog drain ~9 % slower (debug bench) than the hand-written rows before.
    init(row: Row) throws {
        id = row[CodingKeys.id.stringValue]
        kind = row[CodingKeys.kind.stringValue]
        itemKey = row[CodingKeys.itemKey.stringValue]
        readingID = row[CodingKeys.readingID.stringValue]
        payload = row[CodingKeys.payload.stringValue]
        state = row[CodingKeys.state.stringValue]
        attempts = row[CodingKeys.attempts.stringValue]
        enqueuedAt = row[CodingKeys.enqueuedAt.stringValue]
        nextAttemptAt = row[CodingKeys.nextAttemptAt.stringValue]
        lastAttemptAt = row[CodingKeys.lastAttemptAt.stringValue]
        lastError = row[CodingKeys.lastError.stringValue]
        deliveredAt = row[CodingKeys.deliveredAt.stringValue]
        parkedAt = row[CodingKeys.parkedAt.stringValue]
        parkReason = row[CodingKeys.parkReason.stringValue]
        sequenceKey = row[CodingKeys.sequenceKey.stringValue]
        priority = row[CodingKeys.priority.stringValue]
        parkContext = row[CodingKeys.parkContext.stringValue]
        annotation = row[CodingKeys.annotation.stringValue]
    }
}

extension OutboxItem {
    init(_ record: OutboxRecord) throws(StoreError) {
        guard let state = OutboxState(rawValue: record.state) else {
            throw .undecodableRow(table: OutboxRecord.databaseTableName, detail: "unknown state \(record.state)")
        }
        id = record.id
        kind = OutboxKind(rawValue: record.kind)
        key = record.itemKey
        readingRowID = record.readingID
        payload = record.payload.map { Array($0) }
        sequenceKey = record.sequenceKey
        self.state = state
        // A priority written by a later version is read as the nearest one this version knows.
        priority = OutboxPriority(rawValue: record.priority)
            ?? (record.priority > 0 ? .urgent : record.priority < 0 ? .background : .normal)
        attempts = record.attempts
        enqueuedAt = Date(unixMilliseconds: record.enqueuedAt)
        nextAttemptAt = Date(unixMilliseconds: record.nextAttemptAt)
        lastAttemptAt = record.lastAttemptAt.map(Date.init(unixMilliseconds:))
        lastError = record.lastError
        deliveredAt = record.deliveredAt.map(Date.init(unixMilliseconds:))
        parkedAt = record.parkedAt.map(Date.init(unixMilliseconds:))
        parkReason = record.parkReason
        parkContext = record.parkContext
        annotation = record.annotation.map { Array($0) }
    }
}

extension OutboxRecord {
    /// The public items of the records `request` fetches, in order.
    static func items(_ db: Database, _ request: some FetchRequest<OutboxRecord>) throws -> [OutboxItem] {
        try request.fetchAll(db).map(OutboxItem.init)
    }
}
