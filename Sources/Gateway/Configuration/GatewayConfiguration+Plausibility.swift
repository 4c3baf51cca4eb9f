import ConfigYAML
import HealthProfiles
import Triage

extension GatewayConfiguration {
    /// `plausibility:` — per vital `{unit, min, max}` in the vital's canonical unit, each within what is
    /// physically possible (`PlausibilityRanges.hardLimits`); vitals not named keep the defaults.
    static func parsePlausibility(_ view: MappingView?) throws(ConfigError) -> PlausibilityRanges {
        guard let view else { return PlausibilityRanges() }
        let checked = VitalSign.allCases.filter { PlausibilityRanges.hardLimits[$0] != nil }
        try view.allowOnly(Set(checked.map(\.rawValue)))
        var overrides: [VitalSign: (min: Double, max: Double)] = [:]
        for vital in checked {
            guard let range = try view.optionalMapping(vital.rawValue) else { continue }
            try range.allowOnly(["unit", "min", "max"])
            let unit = try range.requiredString("unit")
            if let canonical = CanonicalUnits.unit(for: vital), unit != canonical.rawValue {
                throw range.error(at: "unit", "must be \(canonical.rawValue), the unit \(vital.rawValue) is checked in (got \(unit))")
            }
            let single = [vital: (min: try range.requiredNumber("min"), max: try range.requiredNumber("max"))]
            do {
                _ = try PlausibilityRanges(overrides: single)
            } catch {
                throw range.error(error.description)
            }
            overrides[vital] = single[vital]
        }
        do { return try PlausibilityRanges(overrides: overrides) } catch { throw view.error(error.description) }
    }
}
