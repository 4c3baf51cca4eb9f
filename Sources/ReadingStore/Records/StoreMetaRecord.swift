import GRDB

/// One row of the `store_meta` table: a named value the store keeps across retention.
struct StoreMetaRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "store_meta"

    /// When the receiver last accepted something, in Unix milliseconds.
    static let lastDeliveredAt = "lastDeliveredAt"
    /// The highest outbox id that was ever deleted while it was the highest (kept by a trigger, store.v6), so
    /// that a new item never takes an id the forwarder may still hold for an item that is gone.
    static let outboxHighWater = "outboxHighWater"

    var key: String
    var value: String

    enum Columns {
        static let key = Column(CodingKeys.key)
        static let value = Column(CodingKeys.value)
    }
}
