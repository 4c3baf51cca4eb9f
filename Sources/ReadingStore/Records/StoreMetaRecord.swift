import GRDB

/// One row of the `store_meta` table: a named value the store keeps across retention.
struct StoreMetaRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "store_meta"

    /// When the receiver last accepted something, in Unix milliseconds.
    static let lastDeliveredAt = "lastDeliveredAt"

    var key: String
    var value: String

    enum Columns {
        static let key = Column(CodingKeys.key)
        static let value = Column(CodingKeys.value)
    }
}
