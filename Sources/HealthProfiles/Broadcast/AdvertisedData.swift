/// What a device put in one advertisement, as bluetoothd reports it on org.bluez.Device1: service data by service
/// UUID and manufacturer data by company identifier (Bluetooth Core Supplement, part A, 1.4 and 1.11).
public struct AdvertisedData: Sendable, Hashable {
    public var serviceData: [BluetoothUUID: [UInt8]]
    public var manufacturerData: [UInt16: [UInt8]]

    public init(serviceData: [BluetoothUUID: [UInt8]] = [:], manufacturerData: [UInt16: [UInt8]] = [:]) {
        self.serviceData = serviceData
        self.manufacturerData = manufacturerData
    }

    public var isEmpty: Bool { serviceData.isEmpty && manufacturerData.isEmpty }
}
