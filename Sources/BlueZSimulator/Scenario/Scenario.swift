public import BlueZ
import ConfigYAML
import HealthProfiles
import Foundation
import Yams

/// What `bluez-sim` simulates: one adapter and scripted health devices. Loaded from YAML; the format is
/// documented in README.md ("BlueZ simulator") and by the commented example in profiles/sim/.
public struct Scenario: Sendable, Decodable {
    public var adapter: AdapterConfig
    public var timing: Timing
    public var devices: [DeviceConfig]
    /// Deliberate breaches of the D-Bus contract (none by default).
    public var faults: BusFaults

    public init(adapter: AdapterConfig = AdapterConfig(), timing: Timing = Timing(), devices: [DeviceConfig],
                faults: BusFaults = BusFaults()) {
        self.adapter = adapter
        self.timing = timing
        self.devices = devices
        self.faults = faults
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["adapter", "timing", "devices", "faults"], in: "the scenario")
        let container = try decoder.container(keyedBy: AnyKey.self)
        adapter = try container.value("adapter", default: AdapterConfig())
        timing = try container.value("timing", default: Timing())
        devices = try container.value("devices", default: [])
        faults = try container.value("faults", default: BusFaults())
    }

    /// Parses and validates YAML text.
    public static func parse(yaml: String) throws(ScenarioError) -> Scenario {
        if let line = YAMLAnchors.firstUse(in: yaml) { throw ScenarioError("line \(line): \(YAMLAnchors.refusal)") }
        let scenario: Scenario
        do {
            scenario = try YAMLDecoder().decode(Scenario.self, from: yaml)
        } catch let error as ScenarioError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw ScenarioError(describe(context))
        } catch let DecodingError.keyNotFound(key, context) {
            throw ScenarioError("missing '\(key.stringValue)' at \(path(context))")
        } catch let DecodingError.typeMismatch(type, context) {
            throw ScenarioError("expected \(type) at \(path(context)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(type, context) {
            throw ScenarioError("missing \(type) at \(path(context))")
        } catch {
            throw ScenarioError("\(error)")
        }
        try scenario.validate()
        return scenario
    }

    /// Reads, parses and validates a scenario file.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioError("cannot read \(path): \(error.localizedDescription)")
        }
        return try parse(yaml: text)
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? "the top level" : path
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        if let underlying = context.underlyingError as? ScenarioError { return underlying.message }
        return "\(context.debugDescription) at \(path(context))"
    }

    func validate() throws(ScenarioError) {
        var seen = Set<BluetoothAddress>()
        for device in devices {
            guard seen.insert(device.address).inserted else {
                throw ScenarioError("device \(device.address) appears twice")
            }
            try device.validate()
        }
    }
}

public struct AdapterConfig: Sendable, Decodable {
    /// Object-path element, e.g. hci0 → /org/bluez/hci0.
    public var name: String = "hci0"
    public var address: BluetoothAddress = BluetoothAddress("00:1A:7D:DA:71:13") ?? BluetoothAddress.zero
    public var alias: String = "dho-gateway"
    public var powered: Bool = true
    /// After each simulated bluetoothd restart, the first N adapter setup calls (Set Powered, SetDiscoveryFilter,
    /// StartDiscovery) answer org.bluez.Error.Busy.
    public var busyAfterRestart = 0
    /// After each simulated bluetoothd restart the adapter comes back unpowered and bluetoothd powers it itself this
    /// long afterwards (Powered changes to true), answering the setup calls with org.bluez.Error.Busy until then, as
    /// Debian's bluetoothd 5.66 does; nil: it comes back as it was.
    public var poweringAfterRestartMs: Int?

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["name", "address", "alias", "powered", "busyAfterRestart", "poweringAfterRestartMs"],
                                      in: "adapter")
        let container = try decoder.container(keyedBy: AnyKey.self)
        name = try container.value("name", default: name)
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !name.isEmpty, name.isASCII else {
            throw ScenarioError("adapter name '\(name)' must be letters, digits or _")
        }
        if let text: AddressText = try container.optional("address") { address = text.address }
        alias = try container.value("alias", default: alias)
        powered = try container.value("powered", default: powered)
        busyAfterRestart = try container.value("busyAfterRestart", default: 0)
        guard (0...1000).contains(busyAfterRestart) else { throw ScenarioError("adapter.busyAfterRestart must be 0...1000") }
        poweringAfterRestartMs = try container.optional("poweringAfterRestartMs")
        if let poweringAfterRestartMs, !(0...60_000).contains(poweringAfterRestartMs) {
            throw ScenarioError("adapter.poweringAfterRestartMs must be 0...60000")
        }
    }
}

extension BluetoothAddress {
    static let zero = BluetoothAddress("00:00:00:00:00:00")!
}

extension String {
    fileprivate var isASCII: Bool { utf8.allSatisfy { $0 < 0x80 } }
}

/// Delays that shape the simulated radio, in milliseconds.
public struct Timing: Sendable, Decodable {
    /// Connect() until Connected=true.
    public var connectDelayMs = 20
    /// Connected until ServicesResolved=true; Connect() returns then.
    public var resolveDelayMs = 20
    /// ServicesResolved until the GATT objects appear (for devices with `gattExport: delayed`).
    public var gattExportDelayMs = 150
    /// How long a failing Connect() takes before it answers le-connection-abort-by-local.
    public var connectFailureDelayMs = 50
    /// After an aborted connection, until Connected=false is reported (the disconnect event to wait for).
    public var abortDisconnectDelayMs = 30
    /// Gap between consecutive notifications or indications.
    public var notificationIntervalMs = 20
    /// After the last stored indication, until a device that hangs up does so.
    public var disconnectAfterLastMs = 100
    /// How long Pair() waits for the agent's answer.
    public var agentTimeoutMs = 30_000

    public init() {}

    public init(from decoder: any Decoder) throws {
        let keys = ["connectDelayMs", "resolveDelayMs", "gattExportDelayMs", "connectFailureDelayMs",
                    "abortDisconnectDelayMs", "notificationIntervalMs", "disconnectAfterLastMs", "agentTimeoutMs"]
        try decoder.rejectUnknownKeys(Set(keys), in: "timing")
        let container = try decoder.container(keyedBy: AnyKey.self)
        func read(_ key: String, _ fallback: Int) throws -> Int {
            let value: Int = try container.value(key, default: fallback)
            guard (0...600_000).contains(value) else { throw ScenarioError("timing.\(key) must be 0...600000 ms") }
            return value
        }
        connectDelayMs = try read("connectDelayMs", connectDelayMs)
        resolveDelayMs = try read("resolveDelayMs", resolveDelayMs)
        gattExportDelayMs = try read("gattExportDelayMs", gattExportDelayMs)
        connectFailureDelayMs = try read("connectFailureDelayMs", connectFailureDelayMs)
        abortDisconnectDelayMs = try read("abortDisconnectDelayMs", abortDisconnectDelayMs)
        notificationIntervalMs = try read("notificationIntervalMs", notificationIntervalMs)
        disconnectAfterLastMs = try read("disconnectAfterLastMs", disconnectAfterLastMs)
        agentTimeoutMs = try read("agentTimeoutMs", agentTimeoutMs)
    }
}
