import GRDB

/// One row of the `reading_tombstones` table: the identifier of a reading retention removed, so that the device
/// re-sending it is still recognised as a duplicate (`deletedAt` in Unix milliseconds).
struct ReadingTombstoneRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "reading_tombstones"

    var identifier: String
    var deletedAt: Int64
}
