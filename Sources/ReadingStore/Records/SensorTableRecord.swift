import Foundation
import GRDB

/// One row of the `sensors` table, column for column (times in Unix milliseconds). `SensorRecord`, the public
/// type, is built from it.
struct SensorTableRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "sensors"

    var key: String
    var address: String?
    var manufacturer: String?
    var model: String?
    var serial: String?
    var firmware: String?
    var hardware: String?
    var software: String?
    var systemID: String?
    var profile: String?
    var batteryLevel: Int?
    var clockOffsetMs: Int64?
    var firstSeenAt: Int64
    var lastSeenAt: Int64?

    enum Columns {
        static let key = Column(CodingKeys.key)
    }
}

extension SensorRecord {
    init(_ record: SensorTableRecord) throws(StoreError) {
        guard let key = SensorKey(rawValue: record.key) else {
            throw .undecodableRow(table: SensorTableRecord.databaseTableName, detail: "bad key")
        }
        self.key = key
        address = record.address
        manufacturer = record.manufacturer
        model = record.model
        serial = record.serial
        firmware = record.firmware
        hardware = record.hardware
        software = record.software
        systemID = record.systemID
        profile = record.profile
        batteryLevel = record.batteryLevel
        clockOffset = record.clockOffsetMs.map { Double($0) / 1000 }
        firstSeenAt = Date(unixMilliseconds: record.firstSeenAt)
        lastSeenAt = record.lastSeenAt.map(Date.init(unixMilliseconds:))
    }
}
