import BlueZ
import HealthProfiles

/// Another central bonded to the device — the patient's phone running the vendor's app — collecting its records
/// before the hub does.
extension Simulator {
    /// The other central takes every record the device holds for transfer: its queues empty, and an Omron cuff's
    /// manufacturer data then shows every user slot's record count at zero, sequence numbers unchanged (the counter
    /// of unread records is one per slot, reset by whoever reads: omblepy sharedDriver.py `resetUnreadRecordsCounter`;
    /// layout SpeziOmron OmronManufacturerData — no public capture of this exchange exists, so the frame is built from
    /// that layout). The cuff advertises that state once. Returns how many records were taken.
    func collectElsewhere(_ address: BluetoothAddress) -> Int {
        guard let device = devices[address] else { return 0 }
        let taken = device.queues.values.reduce(0) { $0 + $1.count }
        devices[address]?.queues = [:]
        let current = AdvertisedData(manufacturerData: device.broadcasting?.manufacturerData ?? device.config.manufacturerData)
        if var omron = try? OmronAdvertisement.decode(current) {
            for index in omron.users.indices { omron.users[index].records = 0 }
            _ = broadcast(address, omron.encoded)
        }
        return taken
    }
}
