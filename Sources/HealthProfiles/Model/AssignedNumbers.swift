/// Bluetooth SIG 16-bit assigned numbers for the health services and characteristics the gateway uses.
public enum GATTService: UInt16, Sendable, Hashable, Codable, CaseIterable {
    case genericAccess = 0x1800
    case deviceInformation = 0x180A
    case battery = 0x180F
    case currentTime = 0x1805
    case healthThermometer = 0x1809
    case glucose = 0x1808
    case bloodPressure = 0x1810
    case pulseOximeter = 0x1822
    case bodyComposition = 0x181B
    case weightScale = 0x181D

    public var uuid: BluetoothUUID { BluetoothUUID(short: rawValue) }
}

public enum GATTCharacteristic: UInt16, Sendable, Hashable, Codable, CaseIterable {
    case dateTime = 0x2A08
    case dayOfWeek = 0x2A09
    case temperatureMeasurement = 0x2A1C
    case temperatureType = 0x2A1D
    case intermediateTemperature = 0x2A1E
    case glucoseMeasurement = 0x2A18
    case batteryLevel = 0x2A19
    case systemID = 0x2A23
    case modelNumberString = 0x2A24
    case serialNumberString = 0x2A25
    case firmwareRevisionString = 0x2A26
    case hardwareRevisionString = 0x2A27
    case softwareRevisionString = 0x2A28
    case manufacturerNameString = 0x2A29
    case currentTime = 0x2A2B
    case glucoseMeasurementContext = 0x2A34
    case bloodPressureMeasurement = 0x2A35
    case intermediateCuffPressure = 0x2A36
    case bloodPressureFeature = 0x2A49
    case glucoseFeature = 0x2A51
    case recordAccessControlPoint = 0x2A52
    case plxSpotCheckMeasurement = 0x2A5E
    case plxContinuousMeasurement = 0x2A5F
    case plxFeatures = 0x2A60
    case bodyCompositionFeature = 0x2A9B
    case bodyCompositionMeasurement = 0x2A9C
    case weightMeasurement = 0x2A9D
    case weightScaleFeature = 0x2A9E
    case enhancedBloodPressureMeasurement = 0x2B34

    public var uuid: BluetoothUUID { BluetoothUUID(short: rawValue) }

    /// The name used in error messages and logs, e.g. "Blood Pressure Measurement (0x2A35)".
    public var displayName: String {
        let name: String
        switch self {
        case .dateTime: name = "Date Time"
        case .dayOfWeek: name = "Day of Week"
        case .temperatureMeasurement: name = "Temperature Measurement"
        case .temperatureType: name = "Temperature Type"
        case .intermediateTemperature: name = "Intermediate Temperature"
        case .glucoseMeasurement: name = "Glucose Measurement"
        case .batteryLevel: name = "Battery Level"
        case .systemID: name = "System ID"
        case .modelNumberString: name = "Model Number String"
        case .serialNumberString: name = "Serial Number String"
        case .firmwareRevisionString: name = "Firmware Revision String"
        case .hardwareRevisionString: name = "Hardware Revision String"
        case .softwareRevisionString: name = "Software Revision String"
        case .manufacturerNameString: name = "Manufacturer Name String"
        case .currentTime: name = "Current Time"
        case .glucoseMeasurementContext: name = "Glucose Measurement Context"
        case .bloodPressureMeasurement: name = "Blood Pressure Measurement"
        case .intermediateCuffPressure: name = "Intermediate Cuff Pressure"
        case .bloodPressureFeature: name = "Blood Pressure Feature"
        case .glucoseFeature: name = "Glucose Feature"
        case .recordAccessControlPoint: name = "Record Access Control Point"
        case .plxSpotCheckMeasurement: name = "PLX Spot-Check Measurement"
        case .plxContinuousMeasurement: name = "PLX Continuous Measurement"
        case .plxFeatures: name = "PLX Features"
        case .bodyCompositionFeature: name = "Body Composition Feature"
        case .bodyCompositionMeasurement: name = "Body Composition Measurement"
        case .weightMeasurement: name = "Weight Measurement"
        case .weightScaleFeature: name = "Weight Scale Feature"
        case .enhancedBloodPressureMeasurement: name = "Enhanced Blood Pressure Measurement"
        }
        return "\(name) (0x\(String(rawValue, radix: 16, uppercase: true)))"
    }
}

/// A Bluetooth UUID in the canonical lower-case 128-bit text form BlueZ uses on D-Bus.
public struct BluetoothUUID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let string: String
    static let baseSuffix = "-0000-1000-8000-00805f9b34fb"

    public init(short: UInt16) {
        let hex = String(short, radix: 16)
        string = "0000" + String(repeating: "0", count: 4 - hex.count) + hex + Self.baseSuffix
    }

    /// Accepts "2a35", "0x2A35", "00002a35" or the full 128-bit form, any case; nil if malformed.
    public init?(_ text: String) {
        var lower = text.lowercased()
        if lower.hasPrefix("0x") { lower.removeFirst(2) }
        let hexDigits = "0123456789abcdef"
        switch lower.count {
        case 4, 8:
            guard lower.allSatisfy({ hexDigits.contains($0) }) else { return nil }
            string = String(repeating: "0", count: 8 - lower.count) + lower + Self.baseSuffix
        case 36:
            let groups = lower.split(separator: "-", omittingEmptySubsequences: false)
            guard groups.map(\.count) == [8, 4, 4, 4, 12],
                  groups.allSatisfy({ $0.allSatisfy { hexDigits.contains($0) } })
            else { return nil }
            string = lower
        default:
            return nil
        }
    }

    /// The 16-bit assigned number when this UUID is on the Bluetooth base UUID.
    public var short: UInt16? {
        guard string.hasSuffix(Self.baseSuffix), string.hasPrefix("0000") else { return nil }
        let start = string.index(string.startIndex, offsetBy: 4)
        let end = string.index(start, offsetBy: 4)
        return UInt16(string[start..<end], radix: 16)
    }

    public var description: String { string }
}
