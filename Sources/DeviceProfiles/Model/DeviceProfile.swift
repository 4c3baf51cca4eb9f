public import HealthProfiles

/// How the gateway uses a characteristic: read it once, subscribe to notifications or indications,
/// write it, or run it as a control point (write requests, receive indicated responses; RACP).
public enum AccessMode: String, Sendable, Hashable, Codable, CaseIterable {
    case read
    case notify
    case indicate
    case write
    case controlPoint = "control-point"
}

/// One characteristic a profile uses.
public struct CharacteristicUse: Sendable, Hashable, Codable {
    public var characteristic: GATTCharacteristic
    public var mode: AccessMode
    /// A device without a required characteristic cannot be served by this profile (pairing fails loudly).
    public var required: Bool

    public init(_ characteristic: GATTCharacteristic, _ mode: AccessMode, required: Bool) {
        self.characteristic = characteristic
        self.mode = mode
        self.required = required
    }
}

/// Setting the device clock after connecting, so that stored measurements carry usable times.
public struct TimeSync: Sendable, Hashable, Codable {
    public var service: GATTService
    /// Current Time (0x2A2B, Current Time Service) or Date Time (0x2A08, in the profile's own service).
    public var characteristic: GATTCharacteristic
    public var required: Bool

    public init(service: GATTService, characteristic: GATTCharacteristic, required: Bool) {
        self.service = service
        self.characteristic = characteristic
        self.required = required
    }
}

/// A validated, declarative description of how the gateway talks to one Bluetooth SIG health profile
/// (profiles/devices/*.yaml). The daemon matches a device's advertised service against `service`.
public struct DeviceProfile: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var service: GATTService
    public var bondingRequired: Bool
    public var characteristics: [CharacteristicUse]
    /// Stored records are fetched through the Record Access Control Point (glucose).
    public var racp: Bool
    public var timeSync: TimeSync?
    /// Device Information Service characteristics to read once after pairing.
    public var deviceInformation: [GATTCharacteristic]
    /// The file the profile was loaded from, for messages.
    public var sourceFile: String

    public init(
        id: String, name: String, service: GATTService, bondingRequired: Bool, characteristics: [CharacteristicUse],
        racp: Bool, timeSync: TimeSync?, deviceInformation: [GATTCharacteristic], sourceFile: String
    ) {
        self.id = id
        self.name = name
        self.service = service
        self.bondingRequired = bondingRequired
        self.characteristics = characteristics
        self.racp = racp
        self.timeSync = timeSync
        self.deviceInformation = deviceInformation
        self.sourceFile = sourceFile
    }

    public func use(of characteristic: GATTCharacteristic) -> CharacteristicUse? {
        characteristics.first { $0.characteristic == characteristic }
    }

    /// Characteristics to subscribe to (notify or indicate), in file order.
    public var subscriptions: [CharacteristicUse] {
        characteristics.filter { $0.mode == .notify || $0.mode == .indicate || $0.mode == .controlPoint }
    }
}
