import HealthProfiles
import Yams

extension DeviceProfileParser {
    /// `continuous_settling`: every key optional, each defaulting to `ContinuousSettling.standard`'s value, each
    /// within its hard limits; only for a profile that subscribes to PLX Continuous Measurement (0x2A5F).
    static func validateSettling(
        _ entry: DeviceProfileFile.SettlingEntry?, uses: [CharacteristicUse], root: Node,
        fail: (String, Int?, DeviceProfileError.Problem) -> Void
    ) -> ContinuousSettling {
        var settling = ContinuousSettling.standard
        guard let entry else { return settling }
        if !uses.contains(where: { $0.characteristic == .plxContinuousMeasurement }) {
            fail("continuous_settling", line(root, "continuous_settling"),
                 .invalidValue("only for a profile with PLX Continuous Measurement (2A5F)"))
        }
        func check(_ value: Int?, _ key: String, _ range: ClosedRange<Int>, _ unit: String, _ set: (Int) -> Void) {
            guard let value else { return }
            if range.contains(value) { set(value) } else {
                fail("continuous_settling.\(key)", line(root, "continuous_settling", key),
                     .invalidValue("must be between \(range.lowerBound) and \(range.upperBound) \(unit) (got \(value))"))
            }
        }
        check(entry.windowSeconds, "window_seconds", ContinuousSettling.windowRange, "seconds") { settling.windowSeconds = $0 }
        check(entry.minimumSamples, "minimum_samples", ContinuousSettling.minimumSamplesRange, "samples") { settling.minimumSamples = $0 }
        check(entry.maximumSpread, "maximum_spread", ContinuousSettling.maximumSpreadRange, "percentage points") {
            settling.maximumSpread = $0
        }
        return settling
    }
}
