/// Which side of a device's measuring range a result lies beyond: the meter shows "LO" or "HI" instead of a number.
public enum MeasuringRangeSide: String, Sendable, Hashable, Codable, CaseIterable {
    case below
    case above

    /// What the device's display shows.
    public var displayCode: String { self == .below ? "LO" : "HI" }
}

/// What a device can quantify (a glucometer's 20–600 mg/dL). A result beyond it is a real measurement — a glucose
/// too low or too high for the strip chemistry to put a number on — not a device error: a LO glucose is a severe
/// hypoglycaemia. The device profile states the range (`measuring_range`); the gateway stamps it on the reading
/// (`ReadingQualifier.measuringRange`) so that triage, the texts and the technician know the bound the value is
/// beyond without inventing a number.
public struct MeasuringRange: Sendable, Hashable, Codable {
    public var low: DecimalNumber
    public var high: DecimalNumber
    public var unit: UCUMUnit

    /// The range most blood glucose meters state (Contour Next One, Accu-Chek Guide: 20–600 mg/dL = 1.1–33.3 mmol/L),
    /// for a glucose profile that states none.
    public static let commonGlucose = MeasuringRange(low: DecimalNumber(20), high: DecimalNumber(600), unit: .milligramPerDecilitre)

    public init(low: DecimalNumber, high: DecimalNumber, unit: UCUMUnit) {
        self.low = low
        self.high = high
        self.unit = unit
    }

    /// The range a reading's result beyond it was measured against: the one the gateway stamped on the reading from
    /// its device profile; for a glucose value without one (a frame decoded by `dhoctl decode`, a reading stored
    /// before the stamp existed) the common meters' range; nil for other vitals.
    public static func stated(on reading: Reading, for vital: VitalSign) -> MeasuringRange? {
        if let text = reading.qualifiers[ReadingQualifier.measuringRange], let range = MeasuringRange(qualifierText: text) {
            return range
        }
        return vital == .glucose ? .commonGlucose : nil
    }

    /// The bound a result beyond `side` is beyond.
    public func limit(_ side: MeasuringRangeSide) -> DecimalNumber { side == .below ? low : high }

    /// The qualifier's text: "20-600 mg/dL" (bounds are positive, so the dash is unambiguous).
    public var qualifierText: String { "\(low.description)-\(high.description) \(unit.rawValue)" }

    /// Reads `qualifierText` back; nil for anything else.
    public init?(qualifierText text: String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, let unit = UCUMUnit(rawValue: String(parts[1])) else { return nil }
        let bounds = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let low = DecimalNumber(String(bounds[0])), let high = DecimalNumber(String(bounds[1])),
              low.doubleValue < high.doubleValue
        else { return nil }
        self.init(low: low, high: high, unit: unit)
    }
}
