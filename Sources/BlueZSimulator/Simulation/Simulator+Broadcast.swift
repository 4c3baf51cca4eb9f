import BlueZ
import DBus
import HealthProfiles

/// Broadcast-only devices (consumer scales that never accept a connection).
extension Simulator {
    /// One advertisement of the device carrying `data`. As bluetoothd with DuplicateData: seen only while discovery
    /// runs, the device is in range and a filter lets it through — a new Device1 object, or a PropertiesChanged of
    /// RSSI and the ServiceData / ManufacturerData it carries (replaced, not merged) — and nothing at all while
    /// nobody discovers. Connected devices are not disturbed: discovery and connections go on side by side.
    func broadcast(_ address: BluetoothAddress, _ data: AdvertisedData) -> Bool {
        devices[address]?.broadcasting = data
        guard adapterPresent, adapterPowered, !discoverySessions.isEmpty, let device = devices[address], device.inRange,
              passesAnyFilter(device.config)
        else { return false }
        guard device.objectExists else {
            exportDevice(address, rssi: device.config.rssi)
            return true
        }
        var changed: [String: DBusValue] = ["RSSI": .int16(device.config.rssi)]
        if !data.serviceData.isEmpty { changed["ServiceData"] = SimulatedDevice.serviceDataValue(data.serviceData) }
        if !data.manufacturerData.isEmpty { changed["ManufacturerData"] = SimulatedDevice.manufacturerDataValue(data.manufacturerData) }
        setDeviceProperties(address, changed, alwaysEmit: true)
        return true
    }

    /// Plays the scenario's `broadcasts` of every device that has some (from the start, whoever listens).
    func startScenarioBroadcasts() {
        for address in deviceOrder {
            guard let broadcasts = devices[address]?.config.broadcasts else { continue }
            Task { [self] in await playBroadcasts(address, broadcasts) }
        }
    }

    private func playBroadcasts(_ address: BluetoothAddress, _ broadcasts: BroadcastConfig) async {
        var index = 0
        while control != nil {
            await pause(broadcasts.intervalMs)
            if index == broadcasts.frames.count {
                guard broadcasts.repeat else { break }
                index = 0
            }
            _ = broadcast(address, broadcasts.frames[index])
            index += 1
        }
    }
}
