import Foundation
import HealthProfiles
import ReadingStore

/// The time of a reading's Observations, and for a settled continuous SpO2 the window it summarises.
///
/// Followed: PHD IG 2.0.0 (HL7/phd tag 2.0.0), StructureDefinition.PhdBaseObservation.fsh (`effective[x] only
/// dateTime or Period`; mapping `effectivePeriod.start -> Observation.time-stamp`, `effectivePeriod.end ->
/// time-stamp + measurement-duration`) and StructureDefinition-PhdBaseObservation-notes.md ("the PHG maps the
/// timestamp to … an `Observation.effectivePeriod` element … when the observation includes a
/// Measurement-Duration"). A settled value is the median of the samples of a window
/// (`ContinuousOximetrySettler`), so its Observation carries `effectivePeriod` from the window's first to its
/// last sample. The IG has no element for the statistic (its Supplemental-Types code MDC_MODALITY_SPOT means a
/// device's own stable average, which this is not), so the plain FHIR `Observation.method` says it in text.
extension FHIRMapper {
    func effectiveTime(_ stored: StoredReading) -> [String: JSON] {
        let end = Timestamp.local(stored.measuredAt, in: configuration.timeZone)
        guard let window = Self.settledWindow(stored.reading) else { return ["effectiveDateTime": .string(end)] }
        let start = Timestamp.local(stored.measuredAt.addingTimeInterval(-window.seconds), in: configuration.timeZone)
        return [
            "effectivePeriod": ["start": .string(start), "end": .string(end)],
            "method": ["text": .string("median of \(window.samples) settled samples over \(Self.secondsText(window.seconds)) s")],
        ]
    }

    static func settledWindow(_ reading: Reading) -> (seconds: TimeInterval, samples: Int)? {
        guard let milliseconds = reading.qualifiers[ReadingQualifier.settledWindowMilliseconds].flatMap(Int.init),
              let samples = reading.qualifiers[ReadingQualifier.settledSamples].flatMap(Int.init),
              milliseconds >= 0, samples > 0
        else { return nil }
        return (TimeInterval(milliseconds) / 1000, samples)
    }

    /// Whole seconds as "29", else exactly to the millisecond ("29.5").
    static func secondsText(_ seconds: TimeInterval) -> String {
        let milliseconds = Int((seconds * 1000).rounded())
        return DecimalNumber(mantissa: Int64(milliseconds), exponent: -3).normalized.description
    }
}
