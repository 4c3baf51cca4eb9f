public import HealthProfiles

/// A User Data Service (0x181C) device, such as a family scale: it keeps several users' measurements and sends a
/// user's stored ones only after that user's consent code was given on the User Control Point (0x2A9F) in this
/// connection. Scenario key `userData` of a device:
/// `{measurement: "2A9D", registrable: true, users: [{index: 1, consent: 1111, stored: ["..."]}]}`.
/// "Register New User" (0x01, code) adds a user with the next free index when `registrable`.
public struct UserDataConfig: Sendable, Decodable {
    public static let service = BluetoothUUID(short: 0x181C)
    public static let controlPoint = BluetoothUUID(short: 0x2A9F)

    /// The characteristic a consented user's stored frames are sent on.
    public var measurement: BluetoothUUID
    public var registrable = true
    public var users: [User] = []

    public struct User: Sendable, Decodable {
        public var index: UInt8
        public var consent: UInt16
        /// Frames sent once after this user's consent, oldest first.
        public var stored: [[UInt8]]

        init(index: UInt8, consent: UInt16, stored: [[UInt8]]) {
            self.index = index
            self.consent = consent
            self.stored = stored
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(["index", "consent", "stored"], in: "userData user")
            let container = try decoder.container(keyedBy: AnyKey.self)
            index = try container.required("index")
            consent = try container.required("consent")
            if consent > 9999 { throw ScenarioError("a User Data Service consent code is 0...9999") }
            stored = try container.value("stored", default: [HexBytes]()).map(\.bytes)
        }
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["measurement", "registrable", "users"], in: "userData")
        let container = try decoder.container(keyedBy: AnyKey.self)
        let measurementText: UUIDText = try container.required("measurement")
        measurement = measurementText.uuid
        registrable = try container.value("registrable", default: registrable)
        users = try container.value("users", default: [])
    }

    /// The service added when the scenario does not declare it.
    static let standardService = ServiceConfig(uuid: service, characteristics: [
        CharacteristicConfig(uuid: controlPoint, flags: ["write", "indicate"]),
    ])
}
