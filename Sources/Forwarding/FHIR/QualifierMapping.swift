/// Maps `Reading.qualifiers` (keys and values are the decoders' stable lower-case codes) to FHIR.
///
/// Table-driven so that a new qualifier is one row: temperature site becomes `bodySite` (SNOMED CT), glucose
/// context with IEEE 11073-10417 codes becomes separate coded Observations (`FHIRMapper.contextObservations`),
/// anything else readable becomes a component under the project's own code system, and purely technical keys
/// are left out.
public enum QualifierMapping {
    public static let temperatureSiteKey = "temperature-site"
    public static let glucoseSampleTypeKey = "glucose-sample-type"

    /// Temperature Type (0x2A1D / the Temperature Measurement's type field) to SNOMED CT body structures.
    static let temperatureSites: [String: FHIRCoding] = [
        "armpit": .snomed("91470000", "Axillary region structure"),
        "body": .snomed("38266002", "Entire body as a whole"),
        "ear": .snomed("117590005", "Ear structure"),
        "finger": .snomed("7569003", "Finger structure"),
        "gastrointestinal-tract": .snomed("122865005", "Gastrointestinal tract structure"),
        "mouth": .snomed("123851003", "Mouth region structure"),
        "rectum": .snomed("34402009", "Rectum structure"),
        "toe": .snomed("29707007", "Toe structure"),
        "tympanum": .snomed("42859004", "Tympanic membrane structure"),
    ]

    /// A qualifier rendered as an Observation component with a coded value.
    struct CodedComponent {
        let code: FHIRCoding
        let text: String
        let values: [String: FHIRCoding]
    }

    static let codedComponents: [String: CodedComponent] = [
        "meal": CodedComponent(
            code: .mdc(8417864, "MDC_CTXT_GLU_MEAL"), text: "Meal context",
            values: [
                "preprandial": .mdc(8417868, "MDC_CTXT_GLU_MEAL_PREPRANDIAL"),
                "postprandial": .mdc(8417872, "MDC_CTXT_GLU_MEAL_POSTPRANDIAL"),
                "fasting": .mdc(8417876, "MDC_CTXT_GLU_MEAL_FASTING"),
                "casual": .mdc(8417880, "MDC_CTXT_GLU_MEAL_CASUAL"),
                "bedtime": .mdc(8417908, "MDC_CTXT_GLU_MEAL_BEDTIME"),
            ]),
        "glucose-sample-location": CodedComponent(
            code: .mdc(8417844, "MDC_CTXT_GLU_SAMPLELOCATION"), text: "Sample location",
            values: [
                "finger": .mdc(8417848, "MDC_CTXT_GLU_SAMPLELOCATION_FINGER"),
                "alternate-site-test": .mdc(8417852, "MDC_CTXT_GLU_SAMPLELOCATION_AST"),
                "earlobe": .mdc(8417856, "MDC_CTXT_GLU_SAMPLELOCATION_EARLOBE"),
                "control-solution": .mdc(8417860, "MDC_CTXT_GLU_SAMPLELOCATION_CTRLSOLUTION"),
            ]),
        "tester": CodedComponent(
            code: .mdc(8417884, "MDC_CTXT_GLU_TESTER"), text: "Tester",
            values: [
                "self": .mdc(8417888, "MDC_CTXT_GLU_TESTER_SELF"),
                "health-care-professional": .mdc(8417892, "MDC_CTXT_GLU_TESTER_HCP"),
                "lab-test": .mdc(8417896, "MDC_CTXT_GLU_TESTER_LAB"),
            ]),
    ]

    /// Keys that only steer decoding or coding and mean nothing to a nurse.
    static let technicalKeys: Set<String> = [
        temperatureSiteKey, glucoseSampleTypeKey, "glucose-device-unit", "glucose-time-offset-minutes",
        "device-time-base",
        // A settled continuous value's window: effectivePeriod and method (FHIRMapper.effectiveTime).
        "settled-window-ms", "settled-samples",
        // An impossible number is never forwarded, not even as text (the value is absent with reason error).
        "implausible-values",
        // The bound a LO / HI lies beyond is told in the Observation's note (BeyondRangeNote).
        "measuring-range",
    ]

    /// `bodySite` for the reading, when a qualifier names one.
    static func bodySite(_ qualifiers: [String: String]) -> JSON? {
        guard let site = qualifiers[temperatureSiteKey] else { return nil }
        if let coding = temperatureSites[site] {
            return ["coding": [coding.json], "text": .string(site)]
        }
        return ["text": .string(site)]
    }

    /// Components for every other qualifier a nurse should see, in key order (stable output).
    static func components(_ qualifiers: [String: String], canonical: ProjectCanonical) -> [JSON] {
        qualifiers.keys.sorted().compactMap { key -> JSON? in
            guard !technicalKeys.contains(key), codedComponents[key] == nil, let value = qualifiers[key] else { return nil }
            return ["code": ["coding": [FHIRCoding(canonical.qualifierCodeSystem, key).json], "text": .string(key)],
                    "valueString": .string(value)]
        }
    }

    /// (key, code, value) of every qualifier with an IEEE 11073-10417 context code, in key order. A value
    /// without a code (e.g. "not-available") keeps its text: the IG binds the value extensibly.
    static func codedContext(_ qualifiers: [String: String]) -> [(key: String, code: JSON, value: JSON)] {
        qualifiers.keys.sorted().compactMap { key in
            guard let coded = codedComponents[key], let value = qualifiers[key] else { return nil }
            let concept: JSON = coded.values[value].map { ["coding": [$0.json], "text": .string(value)] }
                ?? ["text": .string(value)]
            return (key, ["coding": [coded.code.json], "text": .string(coded.text)], concept)
        }
    }
}
