import GRDB

extension DeviceRegistry {
    /// The cuff's accounting as last saved; nil when none was (never advertised its state since it was provisioned).
    func recordWatch(address: String) async throws -> OmronRecordWatch.Snapshot? {
        let normalized = try Self.normalizedAddress(address)
        return try await store.read { db in
            try RecordWatchRecord.fetchOne(db, key: normalized).map {
                OmronRecordWatch.Snapshot(accounted: UInt16(truncatingIfNeeded: $0.accounted),
                                          advertised: $0.advertised.map { UInt16(truncatingIfNeeded: $0) },
                                          episodeRecords: $0.episodeRecords)
            }
        }
    }

    /// Saves the accounting of `device` as provisioned then: a save that comes after it was forgotten or provisioned
    /// anew (the accounting started afresh) is dropped.
    func saveRecordWatch(of device: ProvisionedDevice, _ snapshot: OmronRecordWatch.Snapshot) async throws {
        let normalized = try Self.normalizedAddress(device.address)
        try await store.writeOwnTables { db in
            // Compared within a millisecond: the time went through a Date, which counts from 2001, not 1970.
            guard let current = try GatewayDeviceRecord.fetchOne(db, key: normalized),
                  abs(current.provisionedAt - device.provisionedAt.timeIntervalSince1970) < 0.001 else { return }
            try RecordWatchRecord(address: normalized, accounted: Int(snapshot.accounted), advertised: snapshot.advertised.map(Int.init),
                                  episodeRecords: snapshot.episodeRecords).upsert(db)
        }
    }

    /// A device provisioned anew or forgotten starts its accounting afresh (inside the caller's transaction).
    static func forgetRecordWatch(_ db: Database, address: String?) throws {
        if let address { try RecordWatchRecord.deleteOne(db, key: address) } else { try RecordWatchRecord.deleteAll(db) }
    }
}
