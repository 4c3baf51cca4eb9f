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

extension SensorTableRecord {
    /// Decoded column by column rather than through `Codable`'s decoder (as `OutboxRecord`): the forwarder's
    /// claim reads its batch's sensors every round, once per reading under a live flow, and the decoder was most
    /// of that look-up (perf, `bench resources`, issue 16). Throwing on a bad value, as the decoder did, not trapping.
    init(row: Row) throws {
        key = try row.decode(forColumn: CodingKeys.key.stringValue)
        address = try row.decode(forColumn: CodingKeys.address.stringValue)
        manufacturer = try row.decode(forColumn: CodingKeys.manufacturer.stringValue)
        model = try row.decode(forColumn: CodingKeys.model.stringValue)
        serial = try row.decode(forColumn: CodingKeys.serial.stringValue)
        firmware = try row.decode(forColumn: CodingKeys.firmware.stringValue)
        hardware = try row.decode(forColumn: CodingKeys.hardware.stringValue)
        software = try row.decode(forColumn: CodingKeys.software.stringValue)
        systemID = try row.decode(forColumn: CodingKeys.systemID.stringValue)
        profile = try row.decode(forColumn: CodingKeys.profile.stringValue)
        batteryLevel = try row.decode(forColumn: CodingKeys.batteryLevel.stringValue)
        clockOffsetMs = try row.decode(forColumn: CodingKeys.clockOffsetMs.stringValue)
        firstSeenAt = try row.decode(forColumn: CodingKeys.firstSeenAt.stringValue)
        lastSeenAt = try row.decode(forColumn: CodingKeys.lastSeenAt.stringValue)
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
