/// Device Information Service strings (0x2A24-0x2A29): UTF-8 without terminator.
///
/// Some devices pad with trailing NUL bytes; those are stripped because they are not part of the text.
/// Anything that is not valid UTF-8 is rejected rather than guessed at.
public enum DeviceInformationString {
    public static let stringCharacteristics: Set<GATTCharacteristic> = [
        .manufacturerNameString, .modelNumberString, .serialNumberString, .hardwareRevisionString,
        .firmwareRevisionString, .softwareRevisionString,
    ]

    public static func decode(_ bytes: some Collection<UInt8>, as characteristic: GATTCharacteristic) throws(DecodeError) -> String {
        var raw = Array(bytes)
        while raw.last == 0 { raw.removeLast() }
        guard !raw.contains(0) else {
            throw .invalidValue(characteristic: characteristic.displayName, field: "Value", detail: "embedded NUL byte")
        }
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw .invalidValue(characteristic: characteristic.displayName, field: "Value", detail: "not valid UTF-8")
        }
        return text
    }

    public static func encoded(_ text: String) -> [UInt8] { Array(text.utf8) }
}

/// System ID (0x2A23): 40-bit manufacturer-defined identifier then the 24-bit OUI, little-endian (8 bytes).
public struct SystemID: Sendable, Hashable, Encodable, CustomStringConvertible {
    public var manufacturerIdentifier: UInt64
    public var organizationallyUniqueIdentifier: UInt32

    public init(manufacturerIdentifier: UInt64, organizationallyUniqueIdentifier: UInt32) {
        self.manufacturerIdentifier = manufacturerIdentifier & 0xFF_FFFF_FFFF
        self.organizationallyUniqueIdentifier = organizationallyUniqueIdentifier & 0xFF_FFFF
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> SystemID {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.systemID.displayName)
        let low = try reader.uint32("Manufacturer Identifier")
        let high = try reader.uint8("Manufacturer Identifier")
        let oui = try reader.uint24("Organizationally Unique Identifier")
        try reader.expectEnd()
        return SystemID(manufacturerIdentifier: UInt64(high) << 32 | UInt64(low), organizationallyUniqueIdentifier: oui)
    }

    public func encoded() -> [UInt8] {
        (0..<5).map { UInt8(truncatingIfNeeded: manufacturerIdentifier >> (8 * UInt64($0))) }
            + (0..<3).map { UInt8(truncatingIfNeeded: organizationallyUniqueIdentifier >> (8 * UInt32($0))) }
    }

    /// The EUI-64, most significant byte first (OUI first), e.g. "B0-49-5F-FF-FE-00-10-71".
    public var description: String { Self.hex(encoded().reversed()) }

    /// The eight bytes in the order received, e.g. "71-10-00-FE-FF-5F-49-B0" (the form the PHD IG examples
    /// show for the SYSID identifier); which form FHIR gets is the forwarder's decision.
    public var wireOrderHex: String { Self.hex(encoded()) }

    /// Encoded as its EUI-64 text, the form technicians compare with the label.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: "-")
    }
}

/// Battery Level (0x2A19): percent 0...100; larger values are rejected.
public struct BatteryLevel: Sendable, Hashable, Encodable {
    public var percent: UInt8

    public init(percent: UInt8) { self.percent = percent }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> BatteryLevel {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.batteryLevel.displayName)
        let level = try reader.uint8("Battery Level")
        guard level <= 100 else { throw reader.invalid("Battery Level", "\(level) % exceeds 100 %") }
        try reader.expectEnd()
        return BatteryLevel(percent: level)
    }

    public func encoded() -> [UInt8] { [percent] }
}

extension GATTCharacteristic {
    public static let batteryLevel = GATTCharacteristic(
        0x2A19, "Battery Level", access: [.read, .notify], services: [.battery])
}

extension BatteryLevel: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .batteryLevel }
    public var shownValue: any Encodable { percent }
}

extension GATTCharacteristic {
    public static let systemID = GATTCharacteristic(
        0x2A23, "System ID", access: .read, services: [.deviceInformation])
}

extension SystemID: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .systemID }
}
