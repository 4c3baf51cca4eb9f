import Foundation
import GRDB
import HealthProfiles

/// One row of `triage_baselines`, column for column (times in seconds since 1970, as stored); `Baseline`, the
/// public type, is built from it.
struct BaselineRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "triage_baselines"

    var vital: String
    var value: Double
    var statistic: String
    var sampleCount: Int
    var periodStart: Double
    var periodEnd: Double
    var establishedAt: Double

    enum CodingKeys: String, CodingKey {
        case vital, value, statistic
        case sampleCount = "sample_count"
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case establishedAt = "established_at"
    }

    /// The columns queries name (the others are read and written through the Codable properties only).
    enum Columns {
        static let vital = Column(CodingKeys.vital)
    }

    init(_ baseline: Baseline) {
        vital = baseline.vital.rawValue
        value = baseline.value
        statistic = baseline.statistic.rawValue
        sampleCount = baseline.sampleCount
        periodStart = baseline.periodStart.timeIntervalSince1970
        periodEnd = baseline.periodEnd.timeIntervalSince1970
        establishedAt = baseline.establishedAt.timeIntervalSince1970
    }

    /// The columns `BaselineRecords.fetch` selects, in this order.
    static let selection = "vital, value, statistic, sample_count, period_start, period_end, established_at"

    /// A row of `selection`, read by position: triage reads the habitual value for every reading, and GRDB's
    /// `Codable` decoding of the record cost more than the look-up (issue 16).
    init(columnsOf row: Row) throws {
        vital = try row.decode(atIndex: 0)
        value = try row.decode(atIndex: 1)
        statistic = try row.decode(atIndex: 2)
        sampleCount = try row.decode(atIndex: 3)
        periodStart = try row.decode(atIndex: 4)
        periodEnd = try row.decode(atIndex: 5)
        establishedAt = try row.decode(atIndex: 6)
    }

    func baseline() throws -> Baseline {
        guard let vital = VitalSign(rawValue: vital), let statistic = BaselineStatistic(rawValue: statistic) else {
            throw TriageError.corruptRecord("baseline \(vital)")
        }
        return Baseline(
            vital: vital, value: value, statistic: statistic, sampleCount: sampleCount,
            periodStart: Date(timeIntervalSince1970: periodStart), periodEnd: Date(timeIntervalSince1970: periodEnd),
            establishedAt: Date(timeIntervalSince1970: establishedAt))
    }
}

/// One row of `triage_baseline_starts`: where a doctor restarted the collection of a habitual value.
struct BaselineStartRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "triage_baseline_starts"

    var vital: String
    var collectFrom: Double

    enum CodingKeys: String, CodingKey {
        case vital
        case collectFrom = "collect_from"
    }
}
