public import HealthProfiles

/// The values a living patient can have, per vital, in its canonical unit (`CanonicalUnits`).
///
/// A value outside is a device error, not a clinical finding: a thermometer once decoded as 3.7e129 °C was
/// triaged red and sent, its alert text with the exponent cut off. `screened(_:)` takes such a value out of the reading before it is
/// stored: it becomes absent (reason `error`, as the PHD IG maps an invalid measurement), the reading is
/// flagged `implausible-value` (so triage asks for a control measurement and never assigns a zone) and the
/// decoded number is kept for the technician in the `implausible-values` qualifier, which is never forwarded.
///
/// The ranges are configurable (`plausibility:` in gateway.yaml) but only inside `hardLimits`, which are what
/// is physically possible (see the README, "Plausibility"): no setting can make 3.7e129 °C a temperature.
public struct PlausibilityRanges: Sendable, Hashable {
    public private(set) var ranges: [VitalSign: ClosedRange<Double>]

    /// Wide enough for every patient the service follows, narrow enough to catch a broken frame.
    public static let defaults: [VitalSign: ClosedRange<Double>] = [
        .oxygenSaturation: 50...100,
        .pulseRate: 20...300,
        .systolicPressure: 50...300,
        .diastolicPressure: 20...200,
        .meanArterialPressure: 30...250,
        .bodyTemperature: 30...45,
        .bodyWeight: 2...400,
        .glucose: 0.5...50,
    ]

    /// The widest a configured range may be: beyond these no human value has been recorded.
    public static let hardLimits: [VitalSign: ClosedRange<Double>] = [
        .oxygenSaturation: 0...100,
        .pulseRate: 1...600,
        .systolicPressure: 10...400,
        .diastolicPressure: 5...400,
        .meanArterialPressure: 5...400,
        .bodyTemperature: 10...50,
        .bodyWeight: 0.2...700,
        .glucose: 0.1...200,
    ]

    public init() { ranges = Self.defaults }

    /// The defaults with `overrides` applied; each must lie within the vital's hard limits.
    public init(overrides: [VitalSign: (min: Double, max: Double)]) throws(PlausibilityError) {
        ranges = Self.defaults
        for (vital, range) in overrides {
            guard let limit = Self.hardLimits[vital] else { throw .notChecked(vital) }
            guard range.min < range.max else { throw .empty(min: range.min, max: range.max) }
            guard limit.contains(range.min), limit.contains(range.max) else { throw .beyondHardLimits(limit) }
            ranges[vital] = range.min...range.max
        }
    }

    /// One value taken out of a reading.
    public struct ImplausibleValue: Sendable, Hashable {
        public var vital: VitalSign
        /// As decoded, in the device's unit: "temperature 3.7e129 Cel".
        public var decoded: String
    }

    /// Why `value` (in `unit`) cannot be a patient's `vital`, or nil when it can or is not checked.
    public func violation(_ vital: VitalSign, _ value: DecimalNumber, unit: UCUMUnit) -> String? {
        guard let range = ranges[vital],
              let canonicalUnit = CanonicalUnits.unit(for: vital),
              let canonical = CanonicalUnits.canonicalValue(value.doubleValue, unit: unit, vital: vital)
        else { return nil }
        if canonical.isFinite, range.contains(canonical) { return nil }
        return "outside \(NumberText.format(range.lowerBound))–\(NumberText.format(range.upperBound)) \(canonicalUnit.display)"
    }

    /// The reading with every impossible value withheld, and what was withheld (empty: unchanged).
    public func screened(_ reading: Reading) -> (reading: Reading, implausible: [ImplausibleValue]) {
        var result = reading
        var found: [ImplausibleValue] = []
        for index in result.components.indices {
            let component = result.components[index]
            guard let number = component.value.number, violation(component.vital, number, unit: component.unit) != nil
            else { continue }
            found.append(ImplausibleValue(
                vital: component.vital,
                decoded: "\(component.vital.rawValue) \(NumberText.exact(number)) \(component.unit.rawValue)"))
            result.components[index].value = .absent(.error)
        }
        // A continuous oximeter's fast and slow averages travel as qualifiers: the same ranges apply.
        let averages: [(key: String, vital: VitalSign)] = [
            (ReadingQualifier.spo2Fast, .oxygenSaturation), (ReadingQualifier.spo2Slow, .oxygenSaturation),
            (ReadingQualifier.pulseFast, .pulseRate), (ReadingQualifier.pulseSlow, .pulseRate),
        ]
        for (key, vital) in averages {
            guard let text = result.qualifiers[key], let unit = CanonicalUnits.unit(for: vital) else { continue }
            if let number = DecimalNumber(text), violation(vital, number, unit: unit) == nil { continue }
            found.append(ImplausibleValue(vital: vital, decoded: "\(key) \(text) \(unit.rawValue)"))
            result.qualifiers[key] = nil
        }
        guard !found.isEmpty else { return (reading, []) }
        result.flags = Array(Set(result.flags + [.implausibleValue])).sorted()
        result.qualifiers[ReadingQualifier.implausibleValues] = found.map(\.decoded).joined(separator: "; ")
        return (result, found)
    }
}

public enum PlausibilityError: Error, Sendable, Equatable, CustomStringConvertible {
    case notChecked(VitalSign)
    case empty(min: Double, max: Double)
    case beyondHardLimits(ClosedRange<Double>)

    public var description: String {
        switch self {
        case let .notChecked(vital):
            return "\(vital.rawValue) has no plausibility range (checked: \(PlausibilityRanges.checkedVitalNames))"
        case let .empty(min, max):
            return "min (\(NumberText.format(min, decimals: nil))) must be lower than max (\(NumberText.format(max, decimals: nil)))"
        case let .beyondHardLimits(limit):
            return "must lie within \(NumberText.format(limit.lowerBound, decimals: nil))–\(NumberText.format(limit.upperBound, decimals: nil)), what is physically possible"
        }
    }
}

extension PlausibilityRanges {
    public static var checkedVitalNames: String {
        VitalSign.allCases.filter { hardLimits[$0] != nil }.map(\.rawValue).joined(separator: ", ")
    }
}
