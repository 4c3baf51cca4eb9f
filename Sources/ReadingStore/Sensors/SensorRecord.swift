public import Foundation

/// What the gateway knows about a sensor device (from Device Information, Battery and the pairing).
/// It becomes the FHIR Device the sensor's Observations point to.
public struct SensorRecord: Sendable, Hashable, Codable {
    public var key: SensorKey
    /// Bluetooth address as BlueZ reports it ("AA:BB:CC:DD:EE:FF").
    public var address: String?
    public var manufacturer: String?
    public var model: String?
    public var serial: String?
    public var firmware: String?
    public var hardware: String?
    public var software: String?
    /// IEEE 11073 system ID (EUI-64) as 16 hex digits, from the System ID characteristic.
    public var systemID: String?
    /// The health profile the device implements, as a `ReadingKind` raw value ("blood-pressure").
    public var profile: String?
    /// Battery percentage, 0...100.
    public var batteryLevel: Int?
    /// Device clock minus gateway clock, in seconds, when last measured.
    public var clockOffset: TimeInterval?
    public var firstSeenAt: Date
    public var lastSeenAt: Date?

}

/// A change to a sensor's record: fields left nil keep their stored value, so each source (Device
/// Information read, battery notification, clock check) updates only what it knows.
public struct SensorUpdate: Sendable, Hashable {
    public var key: SensorKey
    public var address: String?
    public var manufacturer: String?
    public var model: String?
    public var serial: String?
    public var firmware: String?
    public var hardware: String?
    public var software: String?
    public var systemID: String?
    public var profile: String?
    public var batteryLevel: Int?
    public var clockOffset: TimeInterval?
    public var seenAt: Date?

    public init(
        key: SensorKey, address: String? = nil, manufacturer: String? = nil, model: String? = nil,
        serial: String? = nil, firmware: String? = nil, hardware: String? = nil, software: String? = nil,
        systemID: String? = nil, profile: String? = nil, batteryLevel: Int? = nil,
        clockOffset: TimeInterval? = nil, seenAt: Date? = nil
    ) {
        self.key = key
        self.address = address
        self.manufacturer = manufacturer
        self.model = model
        self.serial = serial
        self.firmware = firmware
        self.hardware = hardware
        self.software = software
        self.systemID = systemID
        self.profile = profile
        self.batteryLevel = batteryLevel
        self.clockOffset = clockOffset
        self.seenAt = seenAt
    }
}
