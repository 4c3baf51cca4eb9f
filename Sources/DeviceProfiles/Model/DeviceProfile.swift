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
    /// When the clock is written, relative to subscribing to the measurements (`time_sync.when`).
    public enum Order: String, Sendable, Hashable, Codable, CaseIterable {
        /// Written on every connection before subscribing, whatever the clock says: devices that take the time
        /// only then (A&D UA-651BLE / UC-352BLE, Roche meters) and otherwise stamp 2000-era times.
        case beforeSubscribing = "before-subscribing"
        /// Written after subscribing, and only when the clock is off by more than the tolerance (the profiles'
        /// Current Time Service way).
        case afterSubscribing = "after-subscribing"
    }

    /// How the clock is written (`time_sync.format`).
    public enum Format: String, Sendable, Hashable, Codable, CaseIterable {
        /// The SIG way: `characteristic` (Current Time or Date Time) is written.
        case sig
        /// Ascensia's proprietary clock characteristic (`AscensiaClock`, Contour Next One): its notifications are
        /// enabled, then the time is written on every visit, after subscribing and before the records are asked for.
        case ascensiaClock = "ascensia-clock"
    }

    public var service: GATTService
    /// Current Time (0x2A2B, Current Time Service) or Date Time (0x2A08, in the profile's own service): the clock
    /// read to measure the offset, and written in the `sig` format.
    public var characteristic: GATTCharacteristic
    public var required: Bool
    public var when: Order
    /// False (`time_sync.write: false`): the device's clock cannot be set (Accu-Chek Guide: Date Time 0x2A08 is
    /// read-only); it is read, its offset corrects the stamps, and it is never written.
    public var write: Bool
    public var format: Format

    public init(service: GATTService, characteristic: GATTCharacteristic, required: Bool, when: Order = .afterSubscribing,
                write: Bool = true, format: Format = .sig) {
        self.service = service
        self.characteristic = characteristic
        self.required = required
        self.when = when
        self.write = write
        self.format = format
    }
}

/// How many readings a device can physically produce, as a token bucket: `burst` readings at once (its
/// memory, replayed after connecting), then `readingsPerMinute` on average. Readings beyond it are not stored:
/// a device sending faster is broken or hostile (a thermometer sending every millisecond), and storing its
/// output would crowd out the patient's real measurements. A flood episode ends once the device has sent
/// nothing over its limit for `calmAfterSeconds`.
public struct RateLimit: Sendable, Hashable, Codable {
    public var readingsPerMinute: Double
    public var burst: Int
    public var calmAfterSeconds: Int

    /// For a profile that sets none: a spot-check device (a few readings a minute, a small memory).
    public static let spotCheck = RateLimit(readingsPerMinute: 4, burst: 30, calmAfterSeconds: 300)

    public static let readingsPerMinuteRange: ClosedRange<Double> = 0.01...600
    public static let burstRange: ClosedRange<Int> = 1...100_000
    public static let calmAfterRange: ClosedRange<Int> = 1...86_400

    public init(readingsPerMinute: Double, burst: Int, calmAfterSeconds: Int) {
        self.readingsPerMinute = readingsPerMinute
        self.burst = burst
        self.calmAfterSeconds = calmAfterSeconds
    }

    /// "4 a minute after 40 at once", for messages.
    public var summary: String {
        let rate = readingsPerMinute == readingsPerMinute.rounded() ? String(Int(readingsPerMinute)) : String(readingsPerMinute)
        return "\(rate) a minute after \(burst) at once"
    }
}

/// What a GATT device says about itself in its advertisements (`advertisement`).
public enum AdvertisedState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Omron's manufacturer data (0x020E): pairing or transfer mode and the records per user slot (`OmronAdvertisement`).
    case omron
}

/// How the readings of a broadcast-only device are taken from its advertisements (`transport: broadcast`).
public struct BroadcastReception: Sendable, Hashable, Codable {
    /// The `BroadcastCodec` that decodes the model's advertisements (`codec`).
    public var codec: String
    /// For a model whose weighings carry no time of their own: the same value again within this long of its last
    /// broadcast is the same weighing (`settle_seconds`). A model that stamps its weighings is told by the stamp.
    public var settleSeconds: Int

    public static let defaultSettleSeconds = 60
    public static let settleSecondsRange: ClosedRange<Int> = 5...3600

    public init(codec: String, settleSeconds: Int = defaultSettleSeconds) {
        self.codec = codec
        self.settleSeconds = settleSeconds
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
    /// What the device can physically send (`rate_limit`; `RateLimit.spotCheck` when the file sets none).
    public var rateLimit: RateLimit
    /// Model profiles only: the models it is for, as they appear in the advertised name ("A&D_UA-651BLE"); a
    /// device whose name contains one gets this profile rather than the service's general one. Empty: the
    /// general profile of `service`.
    public var models: [String]

    /// The device remembers several people (`multi_user`): it is paired with the patient's user number
    /// (`dhoctl pair --user N`), and readings of other users are kept apart.
    public var multiUser = false
    /// The device tells in its advertisements whether it has records for the patient (`advertisement`): it is
    /// visited on an advertisement only when it has; nil: every advertisement is a reason to visit.
    public var advertisedState: AdvertisedState?
    /// A device that only broadcasts its readings in advertisements (`transport: broadcast`): never connected
    /// to nor paired; nil for a GATT device.
    public var broadcast: BroadcastReception?
    /// The device keeps each user's data behind a consent code (User Data Service 0x181C, `user_consent`): it is
    /// paired with the patient's code (`dhoctl pair --consent CODE`), which the gateway gives on every visit.
    public var userConsent = false
    /// When a continuous oximeter's stream is settled enough to report (`continuous_settling`;
    /// `ContinuousSettling.standard` when the file sets none).
    public var continuousSettling = ContinuousSettling.standard
    /// What a glucometer can quantify (`measuring_range`; `MeasuringRange.commonGlucose` for a glucose profile that
    /// states none, nil for other devices): a result beyond it arrives as LO / HI and is triaged red.
    public var measuringRange: MeasuringRange?
    /// The file the profile was loaded from, for messages.
    public var sourceFile: String

    public init(
        id: String, name: String, service: GATTService, bondingRequired: Bool, characteristics: [CharacteristicUse],
        racp: Bool, timeSync: TimeSync?, deviceInformation: [GATTCharacteristic], rateLimit: RateLimit = .spotCheck,
        models: [String] = [], sourceFile: String
    ) {
        self.models = models
        self.id = id
        self.name = name
        self.service = service
        self.bondingRequired = bondingRequired
        self.characteristics = characteristics
        self.racp = racp
        self.timeSync = timeSync
        self.deviceInformation = deviceInformation
        self.rateLimit = rateLimit
        self.sourceFile = sourceFile
    }

    /// Whether this is a model profile for the device advertising `name` (case-insensitive containment).
    public func isModelProfile(for name: String?) -> Bool {
        guard let name, !models.isEmpty else { return false }
        return models.contains { name.range(of: $0, options: .caseInsensitive) != nil }
    }

    public func use(of characteristic: GATTCharacteristic) -> CharacteristicUse? {
        characteristics.first { $0.characteristic == characteristic }
    }

    /// Characteristics to subscribe to (notify or indicate), in file order.
    public var subscriptions: [CharacteristicUse] {
        characteristics.filter { $0.mode == .notify || $0.mode == .indicate || $0.mode == .controlPoint }
    }
}
