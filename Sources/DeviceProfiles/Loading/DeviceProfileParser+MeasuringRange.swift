import HealthProfiles
import Yams

extension DeviceProfileParser {
    /// Hard limits of a glucometer's stated range, in mg/dL. A LO is triaged red because the bound it lies below is
    /// itself hypoglycaemic: a low bound above 60 mg/dL (3.3 mmol/L) would make "LO" a value that may be normal. A
    /// HI likewise needs a high bound of at least 250 mg/dL (13.9 mmol/L). Real meters state 10–20 mg/dL and
    /// 500–600 mg/dL (README, "Beyond the measuring range").
    static let glucoseLowLimits: ClosedRange<Double> = 5...60
    static let glucoseHighLimits: ClosedRange<Double> = 250...1000

    /// `measuring_range: {low: 20 mg/dL, high: 600 mg/dL}`: what the meter can quantify, only for a profile that
    /// subscribes to Glucose Measurement (0x2A18). Such a profile that states none gets `MeasuringRange.commonGlucose`.
    static func validateMeasuringRange(
        _ entry: DeviceProfileFile.MeasuringRangeEntry?, uses: [CharacteristicUse], root: Node,
        fail: (String, Int?, DeviceProfileError.Problem) -> Void
    ) -> MeasuringRange? {
        let glucose = uses.contains { $0.characteristic == .glucoseMeasurement }
        guard let entry else { return glucose ? .commonGlucose : nil }
        guard glucose else {
            fail("measuring_range", line(root, "measuring_range"), .invalidValue("only for a profile with Glucose Measurement (2A18)"))
            return nil
        }
        func quantity(_ text: String, _ key: String, _ limits: ClosedRange<Double>) -> (DecimalNumber, UCUMUnit)? {
            let parts = text.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let number = DecimalNumber(String(parts[0])),
                  let unit = UCUMUnit(rawValue: String(parts[1])), unit == .milligramPerDecilitre || unit == .millimolePerLitre
            else {
                fail("measuring_range.\(key)", line(root, "measuring_range", key),
                     .invalidValue("must be a number and a unit, mg/dL or mmol/L (\"20 mg/dL\"; got \"\(text)\")"))
                return nil
            }
            let milligrams = unit == .milligramPerDecilitre ? number.doubleValue : number.doubleValue * 18.016
            guard limits.contains(milligrams) else {
                fail("measuring_range.\(key)", line(root, "measuring_range", key),
                     .invalidValue("must be between \(Int(limits.lowerBound)) and \(Int(limits.upperBound)) mg/dL (got \(text))"))
                return nil
            }
            return (number, unit)
        }
        let low = quantity(entry.low, "low", glucoseLowLimits), high = quantity(entry.high, "high", glucoseHighLimits)
        guard let low, let high else { return nil }
        guard low.1 == high.1 else {
            fail("measuring_range.high", line(root, "measuring_range", "high"),
                 .invalidValue("must be in the same unit as low (\(low.1.rawValue))"))
            return nil
        }
        return MeasuringRange(low: low.0, high: high.0, unit: low.1)
    }
}
