public import HealthProfiles

/// How a result beyond the device's measuring range ("LO" / "HI") is put into words: by the bound it lies beyond,
/// in the vital's canonical unit, never as −∞ or as a number the device did not measure.
public enum BeyondRangeText {
    /// A reading beyond the range of `vital` and the bound it lies beyond, in the canonical unit.
    public struct Limit: Sendable, Hashable {
        public var side: MeasuringRangeSide
        public var value: Double
        public var unit: UCUMUnit
        /// The bound as shown: "1.1".
        public var shown: String
    }

    /// The bound `side` of `range` in the canonical unit of `vital`; nil when the vital is not triaged or the
    /// range's unit cannot be converted. Converted bounds are shown to one decimal, as meters display mmol/L
    /// (20 mg/dL is 1.11 mmol/L: "1.1"); a bound already in the canonical unit is shown exactly.
    public static func limit(_ side: MeasuringRangeSide, of range: MeasuringRange, vital: VitalSign) -> Limit? {
        let bound = range.limit(side)
        guard let unit = CanonicalUnits.unit(for: vital),
              let value = CanonicalUnits.canonicalValue(bound.doubleValue, unit: range.unit, vital: vital), value.isFinite
        else { return nil }
        let shown = range.unit == unit ? NumberText.exact(bound) : NumberText.format(value, decimals: 1)
        return Limit(side: side, value: value, unit: unit, shown: shown)
    }

    /// The limit of a reading's component that lies beyond the range, or nil when it does not.
    public static func limit(of component: ReadingComponent, in reading: Reading) -> Limit? {
        guard case let .beyondRange(side) = component.value, let range = MeasuringRange.stated(on: reading, for: component.vital) else {
            return nil
        }
        return limit(side, of: range, vital: component.vital)
    }

    /// For the technician (`dhoctl decode`, `dhoctl readings`): "LO (below 1.1 mmol/L)".
    public static func short(_ limit: Limit) -> String {
        "\(limit.side.displayCode) (\(limit.side == .below ? "below" : "above") \(limit.shown) \(limit.unit.display))"
    }

    /// For alert summaries and the centre: "below the meter's measuring range (LO, under 1.1 mmol/L)".
    public static func summary(_ limit: Limit) -> String {
        limit.side == .below
            ? "below the meter's measuring range (LO, under \(limit.shown) \(limit.unit.display))"
            : "above the meter's measuring range (HI, over \(limit.shown) \(limit.unit.display))"
    }

    /// For the patient (Norwegian, as the care plans' texts; decimal comma as the meter's display shows it).
    static func patientSentence(_ limit: Limit) -> String {
        let bound = "\(limit.shown.replacingOccurrences(of: ".", with: ",")) \(limit.unit.display)"
        return limit.side == .below
            ? "Måleren viste LO: blodsukkeret er lavere enn måleren kan måle (under \(bound))."
            : "Måleren viste HI: blodsukkeret er høyere enn måleren kan måle (over \(bound))."
    }
}
