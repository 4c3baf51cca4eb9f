import BlueZ
import Foundation
import HealthProfiles
import Logging

/// The Contour Next One takes the time only through Ascensia's proprietary clock characteristic
/// (`time_sync.format: ascensia-clock`), as BLESSED does it (weliem/blessed-android BluetoothHandler.java
/// l.157, l.165-166, l.280-295): its notifications are enabled first, then the clock is written — after the glucose
/// characteristics are subscribed and before the first RACP request (the visit calls it between the two), on every
/// visit: the characteristic cannot be read, so there is no offset to compare with a tolerance.
extension DeviceVisit {
    func setAscensiaClock() async -> Bool {
        let metadata: Logger.Metadata = ["device": "\(device.address)"]
        guard let gatt = try? await bluetoothDevice.characteristic(
            AscensiaClock.characteristic, service: AscensiaClock.service, timeout: .milliseconds(1))
        else {
            logger.notice("device clock not set: it lacks Ascensia's clock characteristic", metadata: metadata)
            return false
        }
        let now = Date()
        guard let value = AscensiaClock.encode(now, utcOffsetMinutes: settings.timeZone.secondsFromGMT(for: now) / 60) else {
            return false
        }
        do {
            // A standing notify session from an earlier link may not be the device's: start it afresh, as for the
            // measurements (`subscribe`).
            if await gatt.properties()?.notifying == true { try? await gatt.stopNotify() }
            try await gatt.startNotify()
            try await gatt.writeValue(value, type: .request)
            logger.info("device clock set (Ascensia)", metadata: metadata)
            return true
        } catch {
            logger.notice("device clock not set: \(error)", metadata: metadata)
            return false
        }
    }
}
