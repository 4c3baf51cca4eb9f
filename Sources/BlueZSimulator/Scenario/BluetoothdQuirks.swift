import BlueZ
import HealthProfiles

/// A device's `bluetoothd` block: how the real bluetoothd (Debian bookworm's 5.66, seen with emulated
/// controllers, issue 18) behaves where it differs from its documentation. None of this is a fault of the
/// device; the gateway must cope with each of them against the real daemon.
public struct BluetoothdQuirks: Sendable, Decodable {
    /// Connect() succeeds and the property reads `Connected = true`, but bluetoothd never announces that change
    /// (it logged `device_add_connection() … is already connected`); only `ServicesResolved = true` is signalled.
    public var connectedUnannounced = false
    /// bluetoothd adds its own Device Information service (0x180A holding only PnP ID 0x2A50) next to the
    /// device's own.
    public var pnpIdService = false
    /// Connect() to a bonded device takes this long (about 10 s was seen reconnecting a bonded device).
    public var reconnectDelayMs: Int?
    /// The GATT objects are announced one InterfacesAdded at a time, this far apart (bluetoothd 5.66 exports
    /// them one by one, after ServicesResolved).
    public var gattObjectIntervalMs: Int?
    /// Pair() answers success but no bond is stored: `Paired` stays false (a device that does not distribute
    /// its keys; bluetoothd replies to the pairing, not to the bonding).
    public var pairWithoutBond = false

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["connectedUnannounced", "pnpIdService", "reconnectDelayMs", "gattObjectIntervalMs", "pairWithoutBond"], in: "device bluetoothd")
        let container = try decoder.container(keyedBy: AnyKey.self)
        connectedUnannounced = try container.value("connectedUnannounced", default: false)
        pnpIdService = try container.value("pnpIdService", default: false)
        pairWithoutBond = try container.value("pairWithoutBond", default: false)
        reconnectDelayMs = try container.optional("reconnectDelayMs")
        if let reconnectDelayMs, !(0...120_000).contains(reconnectDelayMs) {
            throw ScenarioError("bluetoothd.reconnectDelayMs must be 0...120000")
        }
        gattObjectIntervalMs = try container.optional("gattObjectIntervalMs")
        if let gattObjectIntervalMs, !(0...10_000).contains(gattObjectIntervalMs) {
            throw ScenarioError("bluetoothd.gattObjectIntervalMs must be 0...10000")
        }
    }

    /// bluetoothd's own Device Information service: PnP ID with vendor id source 0x02 (USB Implementer's
    /// Forum), vendor 0x1D6B (Linux Foundation), product 0x0246, version 0x0542 (BlueZ 5.66), as its
    /// `main.conf` DeviceID default announces.
    static let pnpIdService = ServiceConfig(uuid: GATTService.deviceInformation.uuid, characteristics: [
        CharacteristicConfig(uuid: BluetoothUUID(short: 0x2A50), flags: ["read"], value: [0x02, 0x6B, 0x1D, 0x46, 0x02, 0x42, 0x05]),
    ])
}
