import Foundation
import GRDB

/// One row of the `centre_reports` table (`since` in Unix milliseconds); `ReadingStore.CentreReport`, the public
/// type, is built from it.
struct CentreReportRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "centre_reports"

    var subject: String
    var state: String
    var since: Int64

    enum Columns {
        static let subject = Column(CodingKeys.subject)
        static let state = Column(CodingKeys.state)
        static let since = Column(CodingKeys.since)
    }
}
