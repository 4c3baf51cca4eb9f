import Foundation
import GRDB

/// One row of the `centre_reports` table (`since` in Unix milliseconds); `ReadingStore.CentreReport`, the public
/// type, is built from it.
struct CentreReportRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "centre_reports"

    var subject: String
    var state: String
    var since: Int64

    /// The columns queries name (the others are read and written through the Codable properties only).
    enum Columns {
        static let subject = Column(CodingKeys.subject)
    }
}
