/// A device's `quirks` block: how the device's own firmware departs from the Bluetooth profiles, as real
/// devices do (issue 15). None by default; each is something the gateway must cope with.
public struct DeviceQuirks: Sendable, Decodable {
    /// Where a device that lost its bond (battery change, reset) fails while bluetoothd still holds the old keys.
    public enum BondLossFailure: String, Sendable, Decodable {
        /// Connect() fails with org.bluez.Error.AuthenticationFailed (encryption with the stale key is refused).
        case connect
        /// The link comes up, but the first access to an encrypted characteristic (read, write, StartNotify)
        /// fails with org.bluez.Error.AuthenticationFailed "PIN or Key Missing".
        case access
    }

    /// The device forgets its subscriptions (CCCDs) when the link drops, while bluetoothd keeps its notify
    /// session and goes on reporting `Notifying: true`: StartNotify on that standing session is answered at once
    /// without writing the CCCD, so the device sends nothing until the session is ended and started again.
    public var forgetsSubscriptions = false
    /// How the device fails once it lost its bond (control method `LoseBond`).
    public var bondLossFailsOn = BondLossFailure.connect
    /// The device's clock is set only through Date Time (0x2A08 in its measurement service) written before the
    /// measurement characteristic is subscribed on that connection; otherwise it stamps its measurements in
    /// 2000 (A&D UA-651BLE / UC-352BLE: obniz/obniz src/parts/Ble/UA651BLE/index.ts writes 0x2A08, then
    /// registers for 0x2A35 indications).
    public var dateTimeBeforeSubscribing = false
    /// The meter takes the time only through Ascensia's clock characteristic (`AscensiaClock`, Contour Next One),
    /// written with its notifications enabled, after Glucose Measurement is subscribed and before the records are
    /// asked for (weliem/blessed-android BluetoothHandler.java l.157, l.165-166, l.280-295). The records it sends on a
    /// link where that did not happen carry its unset clock's stamps (the year 2000); a command whose UTC time is
    /// more than 5 minutes off is not taken. The characteristic is added (service
    /// 00000000-0002-11e2-9e96-0800200c9a66) if not declared.
    public var ascensiaClock = false
    /// The meter ends the link by itself this long after its last record transfer when no other request came (the
    /// Accu-Chek Guide does, 20-60 s after the transfer, HCI reason 0x13: jbravo94/simple-ble-glucose-reader
    /// misc/mysugr_dump/btsnoop_hci.log).
    public var hangsUpAfterTransferMs: Int?

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["forgetsSubscriptions", "bondLossFailsOn", "dateTimeBeforeSubscribing", "ascensiaClock",
                                       "hangsUpAfterTransferMs"], in: "device quirks")
        let container = try decoder.container(keyedBy: AnyKey.self)
        forgetsSubscriptions = try container.value("forgetsSubscriptions", default: false)
        bondLossFailsOn = try container.value("bondLossFailsOn", default: BondLossFailure.connect)
        dateTimeBeforeSubscribing = try container.value("dateTimeBeforeSubscribing", default: false)
        ascensiaClock = try container.value("ascensiaClock", default: false)
        hangsUpAfterTransferMs = try container.optional("hangsUpAfterTransferMs")
        if let delay = hangsUpAfterTransferMs, !(1...600_000).contains(delay) {
            throw ScenarioError("quirks.hangsUpAfterTransferMs must be 1-600000, not \(delay)")
        }
    }
}
