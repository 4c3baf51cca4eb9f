import Foundation
import HealthProfiles
import Triage

/// Human-readable rendering of a decoded value for technicians: the normalised readings first (what the
/// gateway would store and forward), then the typed value itself.
enum DecodedText {
    static func render(_ decoded: DecodedCharacteristic) -> String {
        var out = "\(decoded.characteristic.displayName)\n"
        let readings = decoded.readings
        for reading in readings { out += render(reading) }
        if readings.isEmpty, let why = decoded.value.whyNoReadings { out += "  \(why)\n" }
        out += "  value:\n"
        for line in ValueText.lines(decoded.value.shownValue) { out += "    \(line)\n" }
        return out
    }

    static func render(_ reading: Reading) -> String {
        var header = "  \(reading.kind.rawValue) reading"
        if let time = reading.deviceTime { header += ", device time \(time)" }
        if let user = reading.userID { header += ", user \(user == 0xFF ? "unknown" : String(user))" }
        if let sequence = reading.sequenceNumber { header += ", record \(sequence)" }
        var out = header + "\n"
        let width = reading.components.map(\.vital.rawValue.count).max() ?? 0
        for component in reading.components {
            let name = component.vital.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
            switch component.value {
            case let .number(number):
                out += "    \(name)  \(NumberText.exact(number)) \(component.unit.display)\n"
                // By the default ranges (gateway.yaml may narrow them): what the gateway would withhold.
                if let violation = PlausibilityRanges().violation(component.vital, number, unit: component.unit) {
                    out += "      IMPLAUSIBLE (\(violation)): a device error; the gateway withholds it and asks for a control measurement\n"
                }
            case let .absent(reason): out += "    \(name)  no value (\(reason.rawValue))\n"
            case let .beyondRange(side):
                // Without the device's profile: the range the meter stated, else the common meters' one.
                let shown = BeyondRangeText.limit(of: component, in: reading).map(BeyondRangeText.short) ?? side.displayCode
                out += "    \(name)  \(shown): beyond the meter's measuring range, red where the care plan has glucose rules\n"
            }
        }
        for (key, value) in reading.qualifiers.sorted(by: { $0.key < $1.key }) { out += "    \(key): \(Terminal.visible(value))\n" }
        if !reading.flags.isEmpty { out += "  device status: \(reading.flags.map(\.rawValue).joined(separator: ", "))\n" }
        // Judged as the gateway would store it: an impossible value makes the reading unreliable.
        let screened = PlausibilityRanges().screened(reading).reading
        if screened.isReliable {
            out += "  reliable: yes\n"
        } else {
            out += "  reliable: NO (\(screened.unreliabilityReasons.joined(separator: ", "))): ask for a control measurement\n"
        }
        return out
    }
}
