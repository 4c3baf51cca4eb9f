import Foundation
import GRDB

extension ReadingStore {
    /// The raw frame of the newest reading stored for `sensor` with this record sequence number, or nil when none
    /// is (never stored, or removed by retention or the quota). A glucometer's visit compares it with what the
    /// meter now holds under that number, to notice that its numbering restarted.
    public func latestFrame(sensor: SensorKey, sequenceNumber: Int) async throws(StoreError) -> [UInt8]? {
        try await mapStoreErrors {
            try await writer.read { db in
                try Data.fetchOne(db, sql: """
                    SELECT rawFrame FROM readings WHERE sensorKey = ? AND sequenceNumber = ? ORDER BY id DESC LIMIT 1
                    """, arguments: [sensor.rawValue, sequenceNumber]).map { [UInt8]($0) }
            }
        }
    }

    /// The sequence number of the newest reading stored for `sensor` that has one (a glucometer's last record as
    /// the gateway stored it), or nil.
    public func latestSequenceNumber(sensor: SensorKey) async throws(StoreError) -> Int? {
        try await mapStoreErrors {
            try await writer.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT sequenceNumber FROM readings WHERE sensorKey = ? AND sequenceNumber IS NOT NULL ORDER BY id DESC LIMIT 1
                    """, arguments: [sensor.rawValue])
            }
        }
    }
}
