/// The on-disk shape of a profile file, decoded by Yams before validation turns it into `DeviceProfile`.
/// Every key is snake_case YAML; `schema` lists them so that unknown (misspelt) keys are reported.
struct DeviceProfileFile: Decodable {
    var id: String
    var name: String
    var service: String
    var bondingRequired: Bool
    /// Required for GATT devices; a broadcast profile has none.
    var characteristics: [Entry]?
    var racp: Bool?
    var timeSync: TimeSyncEntry?
    var deviceInformation: [String]?
    var rateLimit: RateLimitEntry?
    var models: [String]?
    var multiUser: Bool?
    var transport: String?
    var codec: String?
    var settleSeconds: Int?
    var advertisement: String?
    var userConsent: Bool?
    var continuousSettling: SettlingEntry?
    var measuringRange: MeasuringRangeEntry?

    struct Entry: Decodable {
        var uuid: String
        var mode: String
        var required: Bool
    }

    struct TimeSyncEntry: Decodable {
        var service: String
        var characteristic: String
        var required: Bool?
        var when: String?
        var write: Bool?
        var format: String?
    }

    struct RateLimitEntry: Decodable {
        var readingsPerMinute: Double?
        var burst: Int?
        var calmAfterSeconds: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case burst
            case readingsPerMinute = "readings_per_minute"
            case calmAfterSeconds = "calm_after_seconds"
        }
    }

    struct SettlingEntry: Decodable {
        var windowSeconds: Int?
        var minimumSamples: Int?
        var maximumSpread: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case windowSeconds = "window_seconds"
            case minimumSamples = "minimum_samples"
            case maximumSpread = "maximum_spread"
        }
    }

    /// `measuring_range`: each bound a number and its unit, "20 mg/dL".
    struct MeasuringRangeEntry: Decodable {
        var low: String
        var high: String
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, service, characteristics, racp, models
        case bondingRequired = "bonding_required"
        case timeSync = "time_sync"
        case deviceInformation = "device_information"
        case rateLimit = "rate_limit"
        case multiUser = "multi_user"
        case transport, codec, advertisement
        case settleSeconds = "settle_seconds"
        case userConsent = "user_consent"
        case continuousSettling = "continuous_settling"
        case measuringRange = "measuring_range"
    }

    static let topLevelKeys = CodingKeys.allCases.map(\.rawValue)
    static let entryKeys = ["uuid", "mode", "required"]
    static let timeSyncKeys = ["service", "characteristic", "required", "when", "write", "format"]
    static let rateLimitKeys = RateLimitEntry.CodingKeys.allCases.map(\.rawValue)
    static let settlingKeys = SettlingEntry.CodingKeys.allCases.map(\.rawValue)
    static let measuringRangeKeys = ["low", "high"]
}
