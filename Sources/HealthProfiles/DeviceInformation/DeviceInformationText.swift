/// The Device Information Service strings (0x2A24-0x2A29) as characteristic values: one small type per
/// characteristic (the registry maps a number to a type), all decoded by `DeviceInformationString`.
public protocol DeviceInformationText: HealthCharacteristic {
    var text: String { get }
    init(text: String)
}

extension DeviceInformationText {
    public static var access: CharacteristicAccess { .read }
    public static var services: Set<GATTService> { [.deviceInformation] }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> Self {
        Self(text: try DeviceInformationString.decode(bytes, as: characteristic))
    }

    /// Trailing NUL padding the device may have sent is not kept, so it is not sent back either.
    public func encoded() -> [UInt8] { DeviceInformationString.encoded(text) }

    public var shownValue: any Encodable { text }
}

extension GATTCharacteristic {
    public static let modelNumberString = GATTCharacteristic(0x2A24, "Model Number String")
    public static let serialNumberString = GATTCharacteristic(0x2A25, "Serial Number String")
    public static let firmwareRevisionString = GATTCharacteristic(0x2A26, "Firmware Revision String")
    public static let hardwareRevisionString = GATTCharacteristic(0x2A27, "Hardware Revision String")
    public static let softwareRevisionString = GATTCharacteristic(0x2A28, "Software Revision String")
    public static let manufacturerNameString = GATTCharacteristic(0x2A29, "Manufacturer Name String")
}

public struct ModelNumberString: DeviceInformationText {
    public static var characteristic: GATTCharacteristic { .modelNumberString }
    public var text: String
    public init(text: String) { self.text = text }
}

public struct SerialNumberString: DeviceInformationText {
    public static var characteristic: GATTCharacteristic { .serialNumberString }
    public var text: String
    public init(text: String) { self.text = text }
}

public struct FirmwareRevisionString: DeviceInformationText {
    public static var characteristic: GATTCharacteristic { .firmwareRevisionString }
    public var text: String
    public init(text: String) { self.text = text }
}

public struct HardwareRevisionString: DeviceInformationText {
    public static var characteristic: GATTCharacteristic { .hardwareRevisionString }
    public var text: String
    public init(text: String) { self.text = text }
}

public struct SoftwareRevisionString: DeviceInformationText {
    public static var characteristic: GATTCharacteristic { .softwareRevisionString }
    public var text: String
    public init(text: String) { self.text = text }
}

public struct ManufacturerNameString: DeviceInformationText {
    public static var characteristic: GATTCharacteristic { .manufacturerNameString }
    public var text: String
    public init(text: String) { self.text = text }
}
