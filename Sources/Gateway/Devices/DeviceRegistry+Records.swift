import Foundation
import GRDB

/// The registry's tables, one record type each, column for column (times in seconds since 1970, as stored): the
/// only place their column names are written. `ProvisionedDevice`, the public type, is built from them.

/// A row of `gateway_devices`: one provisioned device.
struct GatewayDeviceRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "gateway_devices"

    var address: String
    var profile: String
    var name: String?
    var userIndex: Int?
    var provisionedBy: String
    var provisionedAt: Double
    var lastSequenceNumber: Int?
    var lastVisitAt: Double?
    var lastVisitResult: String?
    var consecutiveFailures: Int
    var memoryIsPatients: Bool
    var memoryBoundary: Int?
    var memoryBoundaryPending: Bool
    var consentCode: Int?
    var userRegistrationPending: Bool

    enum Columns {
        static let address = Column(CodingKeys.address)
        static let userIndex = Column(CodingKeys.userIndex)
        static let lastSequenceNumber = Column(CodingKeys.lastSequenceNumber)
        static let lastVisitAt = Column(CodingKeys.lastVisitAt)
        static let lastVisitResult = Column(CodingKeys.lastVisitResult)
        static let consecutiveFailures = Column(CodingKeys.consecutiveFailures)
        static let memoryBoundary = Column(CodingKeys.memoryBoundary)
        static let memoryBoundaryPending = Column(CodingKeys.memoryBoundaryPending)
        static let userRegistrationPending = Column(CodingKeys.userRegistrationPending)
    }

    /// The device's record numbering; a device without a row is in its first numbering (series 0).
    static var recordSeries: HasOneAssociation<GatewayDeviceRecord, RecordSeriesRecord> {
        hasOne(RecordSeriesRecord.self, using: ForeignKey([RecordSeriesRecord.Columns.address], to: [Columns.address]))
            .forKey("recordSeries")
    }
}

/// A row of `gateway_record_series`: how many times a device's record numbering restarted (kept when the device is
/// forgotten).
struct RecordSeriesRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "gateway_record_series"

    var address: String
    var series: Int

    enum Columns {
        static let address = Column(CodingKeys.address)
        static let series = Column(CodingKeys.series)
    }
}

/// A row of `gateway_device_identity`: what a glucometer said it is at its last visit (kept when it is forgotten).
struct DeviceIdentityRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "gateway_device_identity"

    var address: String
    var serialNumber: String?
    var glucoseFeatures: Data?
}

/// A row of `gateway_record_watch`: where an Omron cuff's accounting of the patient's records stands
/// (`OmronRecordWatch.Snapshot`), so that a restart neither forgets an episode nor misses one that began meanwhile.
struct RecordWatchRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "gateway_record_watch"

    var address: String
    var accounted: Int
    var advertised: Int?
    var episodeRecords: Int?
}

/// A row of `gateway_bond_removals`: a device whose bond bluetoothd still holds after a reset forgot it.
struct BondRemovalRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "gateway_bond_removals"

    var address: String

    enum Columns {
        static let address = Column(CodingKeys.address)
    }
}

/// A device row with its record numbering, as every device query fetches it.
struct GatewayDeviceWithSeries: Decodable, FetchableRecord {
    var device: GatewayDeviceRecord
    var recordSeries: RecordSeriesRecord?

    /// `request` (devices) with their record numbering.
    static func all(_ request: QueryInterfaceRequest<GatewayDeviceRecord>) -> QueryInterfaceRequest<GatewayDeviceWithSeries> {
        request.including(optional: GatewayDeviceRecord.recordSeries).asRequest(of: GatewayDeviceWithSeries.self)
    }

    var provisionedDevice: ProvisionedDevice {
        ProvisionedDevice(
            address: device.address, profile: device.profile, name: device.name, userIndex: device.userIndex,
            provisionedBy: device.provisionedBy, provisionedAt: Date(timeIntervalSince1970: device.provisionedAt),
            lastSequenceNumber: device.lastSequenceNumber,
            lastVisitAt: device.lastVisitAt.map(Date.init(timeIntervalSince1970:)),
            lastVisitResult: device.lastVisitResult, consecutiveFailures: device.consecutiveFailures,
            memoryIsPatients: device.memoryIsPatients, recordSeries: recordSeries?.series ?? 0,
            memoryBoundary: device.memoryBoundary, memoryBoundaryPending: device.memoryBoundaryPending,
            consentCode: device.consentCode, userRegistrationPending: device.userRegistrationPending)
    }
}
