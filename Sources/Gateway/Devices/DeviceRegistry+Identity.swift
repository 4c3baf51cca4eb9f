import Foundation
import GRDB

/// What a glucometer says it is: its Device Information serial number (0x2A25) and its Glucose Feature (0x2A51).
/// Either differing from what the same address said at its last visit means another meter, or the same one reset.
public struct DeviceIdentity: Sendable, Equatable {
    public var serialNumber: String?
    public var glucoseFeatures: [UInt8]?

    public init(serialNumber: String?, glucoseFeatures: [UInt8]?) {
        self.serialNumber = serialNumber
        self.glucoseFeatures = glucoseFeatures
    }

    /// How `observed` differs from this (stored) identity, in words without the values (a serial number names a
    /// device); nil when nothing comparable changed. A value not read on either side is not compared.
    public func change(to observed: DeviceIdentity) -> Change? {
        let serial = serialNumber != nil && observed.serialNumber != nil && serialNumber != observed.serialNumber
        let features = glucoseFeatures != nil && observed.glucoseFeatures != nil && glucoseFeatures != observed.glucoseFeatures
        guard serial || features else { return nil }
        return Change(serialNumber: serial, features: features)
    }

    public struct Change: Sendable, Equatable, CustomStringConvertible {
        public var serialNumber: Bool
        public var features: Bool
        public var description: String {
            switch (serialNumber, features) {
            case (true, true): "its serial number and Glucose Feature changed"
            case (true, false): "its serial number changed"
            default: "its Glucose Feature changed"
            }
        }
    }
}

extension DeviceRegistry {
    /// The identity the device at `address` had at its last visit; nil when none was recorded.
    public func identity(address: String) async throws -> DeviceIdentity? {
        let normalized = try Self.normalizedAddress(address)
        return try await store.read { db in
            try DeviceIdentityRecord.fetchOne(db, key: normalized).map {
                DeviceIdentity(serialNumber: $0.serialNumber, glucoseFeatures: $0.glucoseFeatures.map { [UInt8]($0) })
            }
        }
    }

    /// Records what the device said at this visit; a value it did not give keeps the one recorded before.
    public func saveIdentity(address: String, _ identity: DeviceIdentity) async throws {
        let normalized = try Self.normalizedAddress(address)
        try await store.writeOwnTables { db in
            var record = try DeviceIdentityRecord.fetchOne(db, key: normalized)
                ?? DeviceIdentityRecord(address: normalized, serialNumber: nil, glucoseFeatures: nil)
            record.serialNumber = identity.serialNumber ?? record.serialNumber
            record.glucoseFeatures = identity.glucoseFeatures.map { Data($0) } ?? record.glucoseFeatures
            try record.save(db)
        }
    }
}
