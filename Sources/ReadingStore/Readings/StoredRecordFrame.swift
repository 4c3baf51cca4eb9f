import Foundation
import GRDB

private typealias Columns = ReadingRecord.Columns

extension ReadingStore {
    /// The raw frame of the newest reading stored for `sensor` with this record sequence number, or nil when none
    /// is (never stored, or removed by retention or the quota). A glucometer's visit compares it with what the
    /// meter now holds under that number, to notice that its numbering restarted.
    public func latestFrame(sensor: SensorKey, sequenceNumber: Int) async throws(StoreError) -> [UInt8]? {
        try await mapStoreErrors {
            try await writer.read { db in
                try ReadingRecord
                    .filter(Columns.sensorKey == sensor.rawValue && Columns.sequenceNumber == sequenceNumber)
                    .order(Columns.id.desc)
                    .select(Columns.rawFrame, as: Data.self)
                    .fetchOne(db).map { [UInt8]($0) }
            }
        }
    }

    /// The sequence number of the newest reading stored for `sensor` that has one (a glucometer's last record as
    /// the gateway stored it), or nil.
    public func latestSequenceNumber(sensor: SensorKey) async throws(StoreError) -> Int? {
        try await mapStoreErrors {
            try await writer.read { db in
                try ReadingRecord
                    .filter(Columns.sensorKey == sensor.rawValue && Columns.sequenceNumber != nil)
                    .order(Columns.id.desc)
                    .select(Columns.sequenceNumber, as: Int.self)
                    .fetchOne(db)
            }
        }
    }
}
