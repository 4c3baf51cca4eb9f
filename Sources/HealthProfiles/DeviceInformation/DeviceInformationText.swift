/// A Device Information Service string (0x2A24-0x2A29) as a characteristic value, decoded by
/// `DeviceInformationString`. One generic type with a field tag, so that each of the six characteristics is a
/// type of its own (the registry maps a number to a type) without six copies of the same code.
public struct DeviceInformationText<Field: DeviceInformationField>: HealthCharacteristic {
    public var text: String

    public init(text: String) { self.text = text }

    public static var characteristic: GATTCharacteristic { Field.characteristic }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> Self {
        Self(text: try DeviceInformationString.decode(bytes, as: characteristic))
    }

    /// Trailing NUL padding the device may have sent is not kept, so it is not sent back either.
    public func encoded() -> [UInt8] { DeviceInformationString.encoded(text) }

    /// JSON (`dhoctl decode --json`): the bare text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension DeviceInformationText: CustomReflectable {
    /// `dhoctl decode` shows these strings with the characteristic they came from, as it did before they had a
    /// type each (its text output stays byte for byte what technicians and their notes know).
    public var customMirror: Mirror { Mirror(self, unlabeledChildren: [Self.characteristic, text]) }
}

/// Which Device Information string a `DeviceInformationText` is.
public protocol DeviceInformationField: Sendable {
    static var characteristic: GATTCharacteristic { get }
}

public enum ModelNumber: DeviceInformationField { public static var characteristic: GATTCharacteristic { .modelNumberString } }
public enum SerialNumber: DeviceInformationField { public static var characteristic: GATTCharacteristic { .serialNumberString } }
public enum FirmwareRevision: DeviceInformationField { public static var characteristic: GATTCharacteristic { .firmwareRevisionString } }
public enum HardwareRevision: DeviceInformationField { public static var characteristic: GATTCharacteristic { .hardwareRevisionString } }
public enum SoftwareRevision: DeviceInformationField { public static var characteristic: GATTCharacteristic { .softwareRevisionString } }
public enum ManufacturerName: DeviceInformationField { public static var characteristic: GATTCharacteristic { .manufacturerNameString } }

public typealias ModelNumberString = DeviceInformationText<ModelNumber>
public typealias SerialNumberString = DeviceInformationText<SerialNumber>
public typealias FirmwareRevisionString = DeviceInformationText<FirmwareRevision>
public typealias HardwareRevisionString = DeviceInformationText<HardwareRevision>
public typealias SoftwareRevisionString = DeviceInformationText<SoftwareRevision>
public typealias ManufacturerNameString = DeviceInformationText<ManufacturerName>

extension GATTCharacteristic {
    public static let modelNumberString = deviceInformationString(0x2A24, "Model Number String")
    public static let serialNumberString = deviceInformationString(0x2A25, "Serial Number String")
    public static let firmwareRevisionString = deviceInformationString(0x2A26, "Firmware Revision String")
    public static let hardwareRevisionString = deviceInformationString(0x2A27, "Hardware Revision String")
    public static let softwareRevisionString = deviceInformationString(0x2A28, "Software Revision String")
    public static let manufacturerNameString = deviceInformationString(0x2A29, "Manufacturer Name String")

    private static func deviceInformationString(_ number: UInt16, _ name: String) -> GATTCharacteristic {
        GATTCharacteristic(number, name, access: .read, services: [.deviceInformation])
    }
}
