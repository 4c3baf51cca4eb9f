import HealthProfiles

/// Renders a decoded typed value as "field: value" lines by reflection, so every characteristic gets a
/// readable form without a hand-written printer per type: numbers and dates by their description, option
/// sets as hex, enumerations by case name, absent optional fields left out.
enum ValueText {
    static func lines(_ value: Any, indent: String = "") -> [String] {
        if let leaf = leaf(value) { return [indent + leaf] }
        var result: [String] = []
        for (index, child) in Mirror(reflecting: value).children.enumerated() {
            let label = child.label.map { $0.hasPrefix(".") ? "item \(index)" : $0 } ?? "item \(index)"
            guard let unwrapped = unwrap(child.value) else { continue }
            if let text = leaf(unwrapped) {
                result.append("\(indent)\(label): \(text)")
            } else {
                result.append("\(indent)\(label):")
                result += lines(unwrapped, indent: indent + "  ")
            }
        }
        return result
    }

    /// A single-line rendering, or nil for values with fields of their own.
    private static func leaf(_ value: Any) -> String? {
        switch value {
        case let value as MedicalFloat: return value.description
        case let value as DecimalNumber: return value.description
        case let value as DeviceDateTime: return value.description
        case let value as SystemID: return value.description
        case let value as GATTCharacteristic: return value.displayName
        case let value as String: return "\"\(Terminal.visible(value))\""  // DIS strings come from the device
        case let value as Bool: return value ? "yes" : "no"
        case let value as any BinaryInteger: return "\(value)"
        default: break
        }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .enum, mirror.children.isEmpty { return "\(value)" }
        if mirror.displayStyle == .struct, let raw = value as? any RawRepresentable, let bits = raw.rawValue as? any BinaryInteger {
            return "0x" + String(bits, radix: 16, uppercase: true)  // an option set
        }
        return nil
    }

    private static func unwrap(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first.map { unwrap($0.value) } ?? nil
    }
}
