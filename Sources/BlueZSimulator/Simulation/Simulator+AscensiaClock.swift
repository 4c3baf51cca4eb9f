import BlueZ
import Foundation
import HealthProfiles

/// The Contour Next One's clock (`quirks.ascensiaClock`). What the real meter does when its clock is never written is
/// not documented (the research notes, A3); the simulator plays the strict reading of BLESSED's order
/// (weliem/blessed-android BluetoothHandler.java l.154-168): the clock counts only when written with the
/// characteristic's notifications enabled, after Glucose Measurement is subscribed, with a UTC time that is right
/// (within 5 minutes), and only for the records sent later on that link.
extension Simulator {
    func setAscensiaClock(_ address: BluetoothAddress, _ value: [UInt8]) {
        guard let device = devices[address] else { return }
        guard device.sends(AscensiaClock.characteristic), device.sends(GATTCharacteristic.glucoseMeasurement.uuid) else {
            logger.info("\(address) ignores its clock written before notifications and glucose subscriptions")
            return
        }
        guard let clock = AscensiaClock.decode(value), abs(clock.instant.timeIntervalSinceNow) <= 300 else {
            logger.info("\(address) ignores a clock command that is not a right UTC time")
            return
        }
        devices[address]?.ascensiaClockEpoch = device.epoch
    }
}
