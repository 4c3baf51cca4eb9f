public import HealthProfiles

/// A broadcast-only device's advertisements (a consumer scale's weighing): `frames`, each one advertisement with
/// `serviceData` and/or `manufacturerData`, sent `intervalMs` apart from the simulator's start, and over again with
/// `repeat`. Like every advertisement they are seen only while someone discovers (`Simulator.broadcast`).
public struct BroadcastConfig: Sendable, Decodable {
    public var intervalMs: Int
    public var frames: [AdvertisedData]
    public var `repeat`: Bool

    struct Frame: Decodable {
        var data: AdvertisedData

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(["serviceData", "manufacturerData"], in: "broadcasts.frames")
            let container = try decoder.container(keyedBy: AnyKey.self)
            data = AdvertisedData(
                serviceData: try BroadcastConfig.serviceData(try container.value("serviceData", default: [:])),
                manufacturerData: try BroadcastConfig.manufacturerData(try container.value("manufacturerData", default: [:])))
            guard !data.isEmpty else { throw ScenarioError("a broadcasts frame needs serviceData or manufacturerData") }
        }
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["intervalMs", "frames", "repeat"], in: "broadcasts")
        let container = try decoder.container(keyedBy: AnyKey.self)
        intervalMs = try container.value("intervalMs", default: 200)
        guard intervalMs >= 1 else { throw ScenarioError("broadcasts.intervalMs must be at least 1") }
        let frames: [Frame] = try container.required("frames")
        self.frames = frames.map(\.data)
        guard !self.frames.isEmpty else { throw ScenarioError("broadcasts.frames must not be empty") }
        self.repeat = try container.value("repeat", default: false)
    }

    /// `serviceData`: service UUID to hex bytes.
    static func serviceData(_ text: [String: HexBytes]) throws -> [BluetoothUUID: [UInt8]] {
        var data: [BluetoothUUID: [UInt8]] = [:]
        for (key, value) in text {
            guard let uuid = BluetoothUUID(key) else { throw ScenarioError("serviceData key '\(key)' is not a UUID") }
            data[uuid] = value.bytes
        }
        return data
    }

    /// `manufacturerData`: company identifier ("0x45C0" or decimal) to hex bytes.
    static func manufacturerData(_ text: [String: HexBytes]) throws -> [UInt16: [UInt8]] {
        var data: [UInt16: [UInt8]] = [:]
        for (key, value) in text {
            let hex = key.lowercased().hasPrefix("0x")
            guard let company = UInt16(hex ? String(key.dropFirst(2)) : key, radix: hex ? 16 : 10) else {
                throw ScenarioError("manufacturerData key '\(key)' is not a 16-bit company id")
            }
            data[company] = value.bytes
        }
        return data
    }
}
