/// Composes the patient-facing text from the plan's texts, the zone and whether the centre is open.
enum PatientMessages {
    static func forZone(_ zone: Zone, texts: ZoneTexts, centreOpen: Bool) -> String {
        switch zone {
        case .green:
            return texts.green
        case .yellow:
            guard !centreOpen, let afterHours = texts.yellowAfterHours else { return texts.yellow }
            return texts.yellow + "\n" + afterHours
        case .red:
            return texts.red + "\n" + (centreOpen ? texts.redInHours : texts.redAfterHours)
        }
    }

    /// A zone text for a reading beyond the meter's range starts by saying so, with the bound and no number the
    /// meter did not measure (`BeyondRangeText.patientSentence`).
    static func forZone(_ zone: Zone, texts: ZoneTexts, centreOpen: Bool, beyond limits: [BeyondRangeText.Limit]) -> String {
        (limits.map(BeyondRangeText.patientSentence) + [forZone(zone, texts: texts, centreOpen: centreOpen)]).joined(separator: "\n")
    }

    static func notMeasured(_ zone: Zone, texts: ZoneTexts, centreOpen: Bool) -> String {
        zone == .red && !centreOpen ? texts.notMeasured + "\n" + texts.redAfterHours : texts.notMeasured
    }
}
