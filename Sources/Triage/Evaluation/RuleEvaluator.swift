import HealthProfiles

/// The pure traffic-light rules: absolute bounds, change from the habitual value and change over a window.
/// No I/O: the caller supplies the baseline and the window reference values.
enum RuleEvaluator {
    /// Changes are compared after rounding to a millionth so that 82.3 − 80.3 counts as the 2 it is
    /// rather than 1.9999999999999943 in binary floating point.
    static func roundedChange(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }

    static func absolute(_ bounds: AbsoluteBounds, value: Double) -> RuleFinding? {
        let unit = bounds.unit.display
        func finding(_ zone: Zone, _ direction: FindingDirection, _ bound: Double) -> RuleFinding {
            let relation = direction == .low ? "below" : "above"
            return RuleFinding(
                rule: "absolute", kind: .absolute, vital: bounds.vital, zone: zone, direction: direction,
                summary: "\(bounds.vital.rawValue) \(format(value)) \(unit) \(relation) \(zone.rawValue) bound \(format(bound)) \(unit)")
        }
        if let bound = bounds.red.below, value < bound { return finding(.red, .low, bound) }
        if let bound = bounds.red.above, value > bound { return finding(.red, .high, bound) }
        if let bound = bounds.yellow.below, value < bound { return finding(.yellow, .low, bound) }
        if let bound = bounds.yellow.above, value > bound { return finding(.yellow, .high, bound) }
        return nil
    }

    /// A result beyond the meter's measuring range (LO / HI) has no number, only the bound it lies beyond:
    /// LO means value < range.low, HI value > range.high. It is red in every plan that triages the vital:
    /// - when the plan's red bound in that direction lies at or inside the range (LO: red.below ≥ range.low), the
    ///   value is beyond the red bound too (value < range.low ≤ red.below): red, decided;
    /// - when the red bound lies beyond what the meter measures (LO: red.below < range.low) or the plan has none in
    ///   that direction, the zone cannot be decided — the value may lie on either side of the bound — and is
    ///   treated as red: a LO glucose is a severe hypoglycaemia, a HI one a severe hyperglycaemia.
    static func beyondRange(_ limit: BeyondRangeText.Limit, vital: VitalSign, bounds: AbsoluteBounds?) -> RuleFinding {
        let direction: FindingDirection = limit.side == .below ? .low : .high
        let unit = limit.unit.display
        let red = limit.side == .below ? bounds?.red.below : bounds?.red.above
        let decided = red.map { limit.side == .below ? $0 >= limit.value : $0 <= limit.value } ?? false
        var summary = "\(vital.rawValue) \(BeyondRangeText.summary(limit))"
        let relation = limit.side == .below ? "below" : "above"
        if let red, decided {
            summary += " \(relation) red bound \(format(red)) \(unit)"
        } else if let red {
            summary += "; red bound \(format(red)) \(unit) lies beyond what the meter measures: zone undecidable, treated as red"
        } else {
            summary += "; the plan has no red bound \(relation): treated as red"
        }
        return RuleFinding(rule: "measuring-range", kind: .absolute, vital: vital, zone: .red, direction: direction, summary: summary)
    }

    static func baseline(_ rule: BaselineChangeRule, value: Double, baseline: Double) -> RuleFinding? {
        let change = roundedChange(rule.direction == .drop ? baseline - value : value - baseline)
        guard let zone = zone(for: change, rule.thresholds) else { return nil }
        let verb = rule.direction == .drop ? "dropped" : "rose"
        return RuleFinding(
            rule: "baseline", kind: .baseline, vital: rule.vital, zone: zone,
            direction: rule.direction == .drop ? .low : .high,
            summary: "\(rule.vital.rawValue) \(format(value)) \(rule.unit.display) \(verb) \(format(change)) " +
                "from habitual \(format(baseline)) (\(zone.rawValue) at \(format(threshold(zone, rule.thresholds))))")
    }

    /// `reference` is the lowest (rise) or highest (drop) reliable value in the window before this reading.
    static func window(_ rule: WindowChangeRule, value: Double, reference: Double) -> RuleFinding? {
        let change = roundedChange(rule.direction == .drop ? reference - value : value - reference)
        guard let zone = zone(for: change, rule.thresholds) else { return nil }
        let verb = rule.direction == .drop ? "dropped" : "rose"
        return RuleFinding(
            rule: rule.id, kind: .windowChange, vital: rule.vital, zone: zone,
            direction: rule.direction == .drop ? .low : .high,
            summary: "\(rule.vital.rawValue) \(verb) \(format(change)) \(rule.unit.display) within " +
                "\(format(rule.windowHours / 24)) days (\(format(reference)) -> \(format(value)); " +
                "\(zone.rawValue) at \(format(threshold(zone, rule.thresholds))))")
    }

    private static func zone(for change: Double, _ thresholds: ChangeThresholds) -> Zone? {
        if let red = thresholds.red, change >= red { return .red }
        if let yellow = thresholds.yellow, change >= yellow { return .yellow }
        return nil
    }

    private static func threshold(_ zone: Zone, _ thresholds: ChangeThresholds) -> Double {
        (zone == .red ? thresholds.red : thresholds.yellow) ?? 0
    }

    /// Up to two decimals, no trailing zeros, never a dropped exponent: "86", "37.8", "2.05", "3.7e129".
    static func format(_ value: Double) -> String { NumberText.format(value) }
}
