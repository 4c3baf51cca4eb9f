public import HealthProfiles

/// How one measured quantity is coded in FHIR: MDC (IEEE 11073-10101, required by the PHD IG) and LOINC
/// (required by the FHIR vital-signs profiles), possibly depending on the unit (glucose mass vs moles).
public struct VitalSignCode: Sendable, Hashable {
    public var mdc: FHIRCoding
    /// LOINC codings that do not depend on the unit.
    public var loinc: [FHIRCoding]
    /// LOINC codings that do depend on the unit (replace `loinc` for that unit).
    public var loincByUnit: [UCUMUnit: [FHIRCoding]]
    /// Human-readable name (`code.text`).
    public var text: String
    /// Whether the Observation belongs to the FHIR vital-signs category.
    public var isVitalSign: Bool
    /// The FHIR R4 vital-signs profile the Observation conforms to, if any.
    public var vitalSignsProfile: String?

    public init(
        mdc: FHIRCoding, loinc: [FHIRCoding] = [], loincByUnit: [UCUMUnit: [FHIRCoding]] = [:], text: String,
        isVitalSign: Bool = false, vitalSignsProfile: String? = nil
    ) {
        self.mdc = mdc
        self.loinc = loinc
        self.loincByUnit = loincByUnit
        self.text = text
        self.isVitalSign = isVitalSign
        self.vitalSignsProfile = vitalSignsProfile
    }

    /// MDC first (PHD IG slice), then LOINC for `unit`.
    public func codings(for unit: UCUMUnit?) -> [FHIRCoding] {
        let unitCodings = unit.flatMap { loincByUnit[$0] }
        return [mdc] + (unitCodings ?? loinc)
    }

    public func codeableConcept(for unit: UCUMUnit?) -> JSON {
        ["coding": .array(codings(for: unit).map(\.json)), "text": .string(text)]
    }
}

/// The code table, one entry per `VitalSign` (plus context-dependent variants). Triage reuses it so that
/// alerts name quantities with the same codes as the Observations they refer to.
///
/// Sources: the MDC codes are partition × 2^16 + term code from IEEE 11073-10101 as listed in the shared
/// reference and the PHD IG; LOINC codes as in the FHIR vital-signs profiles and the shared reference.
/// A vital sign without a row here still maps (under the gateway's own code system), it is never dropped.
public enum FHIRCodeTable {
    static let vitalSignsProfileBase = "http://hl7.org/fhir/StructureDefinition/"

    /// The blood-pressure panel Observation (components systolic, diastolic, mean).
    public static let bloodPressurePanel = VitalSignCode(
        mdc: .mdc(150020, "MDC_PRESS_BLD_NONINV"), loinc: [.loinc("85354-9", "Blood pressure panel")],
        text: "Blood pressure", isVitalSign: true, vitalSignsProfile: vitalSignsProfileBase + "bp")

    static let table: [VitalSign: VitalSignCode] = [
        .systolicPressure: VitalSignCode(
            mdc: .mdc(150021, "MDC_PRESS_BLD_NONINV_SYS"), loinc: [.loinc("8480-6", "Systolic blood pressure")],
            text: "Systolic blood pressure", isVitalSign: true),
        .diastolicPressure: VitalSignCode(
            mdc: .mdc(150022, "MDC_PRESS_BLD_NONINV_DIA"), loinc: [.loinc("8462-4", "Diastolic blood pressure")],
            text: "Diastolic blood pressure", isVitalSign: true),
        .meanArterialPressure: VitalSignCode(
            mdc: .mdc(150023, "MDC_PRESS_BLD_NONINV_MEAN"), loinc: [.loinc("8478-0", "Mean blood pressure")],
            text: "Mean blood pressure", isVitalSign: true),
        .pulseRate: VitalSignCode(
            mdc: .mdc(149546, "MDC_PULS_RATE_NON_INV"), loinc: [.loinc("8867-4", "Heart rate")],
            text: "Pulse rate", isVitalSign: true, vitalSignsProfile: vitalSignsProfileBase + "heartrate"),
        .oxygenSaturation: VitalSignCode(
            mdc: .mdc(150456, "MDC_PULS_OXIM_SAT_O2"),
            loinc: [
                .loinc("2708-6", "Oxygen saturation in Arterial blood"),
                .loinc("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
            ],
            text: "Oxygen saturation (SpO2)", isVitalSign: true, vitalSignsProfile: vitalSignsProfileBase + "oxygensat"),
        .perfusionIndex: VitalSignCode(
            mdc: .mdc(150448, "MDC_PULS_OXIM_PERF_REL"), text: "Perfusion index"),
        .bodyTemperature: VitalSignCode(
            mdc: .mdc(150364, "MDC_TEMP_BODY"), loinc: [.loinc("8310-5", "Body temperature")],
            text: "Body temperature", isVitalSign: true, vitalSignsProfile: vitalSignsProfileBase + "bodytemp"),
        .bodyWeight: VitalSignCode(
            mdc: .mdc(188736, "MDC_MASS_BODY_ACTUAL"), loinc: [.loinc("29463-7", "Body weight")],
            text: "Body weight", isVitalSign: true, vitalSignsProfile: vitalSignsProfileBase + "bodyweight"),
        .height: VitalSignCode(
            mdc: .mdc(188740, "MDC_LEN_BODY_ACTUAL"), loinc: [.loinc("8302-2", "Body height")],
            text: "Body height", isVitalSign: true, vitalSignsProfile: vitalSignsProfileBase + "bodyheight"),
        .bodyMassIndex: VitalSignCode(
            mdc: .mdc(188752, "MDC_RATIO_MASS_BODY_LEN_SQ"), loinc: [.loinc("39156-5", "Body mass index (BMI)")],
            text: "Body mass index", isVitalSign: true, vitalSignsProfile: vitalSignsProfileBase + "bmi"),
        .glucose: glucoseBySampleType["capillary-whole-blood"] ?? capillaryGlucose,
        .bodyFatPercentage: VitalSignCode(
            mdc: .mdc(188748, "MDC_BODY_FAT"), loinc: [.loinc("41982-0", "Percentage of body fat Measured")],
            text: "Body fat percentage"),
        .fatFreeMass: VitalSignCode(mdc: .mdc(188756, "MDC_MASS_BODY_FAT_FREE"), text: "Fat-free mass"),
        .softLeanMass: VitalSignCode(mdc: .mdc(188760, "MDC_MASS_BODY_SOFT_LEAN"), text: "Soft lean mass"),
        .bodyWaterMass: VitalSignCode(mdc: .mdc(188764, "MDC_BODY_WATER"), text: "Body water mass"),
        .basalMetabolism: VitalSignCode(mdc: .mdc(188768, "MDC_BASAL_METABOLISM"), text: "Basal metabolism"),
        .musclePercentage: VitalSignCode(mdc: .mdc(188772, "MDC_BODY_MUSCLE"), text: "Muscle percentage"),
        .muscleMass: VitalSignCode(mdc: .mdc(188776, "MDC_MASS_BODY_MUSCLE"), text: "Muscle mass"),
        .impedance: VitalSignCode(mdc: .mdc(188780, "MDC_BODY_ELECTRICAL_IMPEDANCE"), text: "Body impedance"),
    ]

    /// A pulse rate from a pulse oximeter has its own MDC code; LOINC is the same.
    static let oximeterPulse = VitalSignCode(
        mdc: .mdc(149530, "MDC_PULS_OXIM_PULS_RATE"), loinc: [.loinc("8867-4", "Heart rate")],
        text: "Pulse rate", isVitalSign: true, vitalSignsProfile: vitalSignsProfileBase + "heartrate")

    static let capillaryGlucose = glucose(
        160184, "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD", "Glucose in capillary whole blood",
        massLOINC: ("41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer"),
        molarLOINC: ("14743-9", "Glucose [Moles/volume] in Capillary blood by Glucometer"))

    static let bloodLOINC = (
        mass: ("2339-0", "Glucose [Mass/volume] in Blood"), molar: ("15074-8", "Glucose [Moles/volume] in Blood"))
    static let plasmaLOINC = (
        mass: ("2345-7", "Glucose [Mass/volume] in Serum or Plasma"),
        molar: ("14749-6", "Glucose [Moles/volume] in Serum or Plasma"))

    /// Glucose by the `glucose-sample-type` qualifier (Bluetooth Glucose Measurement Type field).
    static let glucoseBySampleType: [String: VitalSignCode] = [
        "capillary-whole-blood": capillaryGlucose,
        "capillary-plasma": glucose(
            160188, "MDC_CONC_GLU_CAPILLARY_PLASMA", "Glucose in capillary plasma",
            massLOINC: capillaryGlucoseLOINC.mass, molarLOINC: capillaryGlucoseLOINC.molar),
        "venous-whole-blood": glucose(
            160192, "MDC_CONC_GLU_VENOUS_WHOLEBLOOD", "Glucose in venous whole blood",
            massLOINC: bloodLOINC.mass, molarLOINC: bloodLOINC.molar),
        "venous-plasma": glucose(
            160196, "MDC_CONC_GLU_VENOUS_PLASMA", "Glucose in venous plasma",
            massLOINC: plasmaLOINC.mass, molarLOINC: plasmaLOINC.molar),
        "arterial-whole-blood": glucose(
            160200, "MDC_CONC_GLU_ARTERIAL_WHOLEBLOOD", "Glucose in arterial whole blood",
            massLOINC: bloodLOINC.mass, molarLOINC: bloodLOINC.molar),
        "arterial-plasma": glucose(
            160204, "MDC_CONC_GLU_ARTERIAL_PLASMA", "Glucose in arterial plasma",
            massLOINC: plasmaLOINC.mass, molarLOINC: plasmaLOINC.molar),
        // The PHD IG 2.0.0's own glucose example (input/examples/glucose-observation.json) codes undetermined
        // plasma 160368 MDC_CONC_GLU_UNDETERMINED_PLASMA; whole blood is its sibling term of IEEE 11073-10101.
        "undetermined-whole-blood": glucose(
            160364, "MDC_CONC_GLU_UNDETERMINED_WHOLEBLOOD", "Glucose in whole blood",
            massLOINC: bloodLOINC.mass, molarLOINC: bloodLOINC.molar),
        "undetermined-plasma": glucose(
            160368, "MDC_CONC_GLU_UNDETERMINED_PLASMA", "Glucose in plasma",
            massLOINC: plasmaLOINC.mass, molarLOINC: plasmaLOINC.molar),
        "interstitial-fluid": VitalSignCode(mdc: .mdc(160212, "MDC_CONC_GLU_ISF"), text: "Glucose in interstitial fluid"),
        "control-solution": VitalSignCode(
            mdc: .mdc(160208, "MDC_CONC_GLU_CONTROL"), text: "Glucose control solution test"),
    ]

    static let capillaryGlucoseLOINC = (
        mass: ("41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer"),
        molar: ("14743-9", "Glucose [Moles/volume] in Capillary blood by Glucometer"))

    static func glucose(
        _ mdc: Int, _ referenceID: String, _ text: String,
        massLOINC: (String, String), molarLOINC: (String, String)
    ) -> VitalSignCode {
        VitalSignCode(
            mdc: .mdc(mdc, referenceID),
            loincByUnit: [
                .milligramPerDecilitre: [.loinc(massLOINC.0, massLOINC.1)],
                .millimolePerLitre: [.loinc(molarLOINC.0, molarLOINC.1)],
            ],
            text: text)
    }

    /// The coding for `vital` as measured by a device of `kind`, refined by the reading's qualifiers.
    public static func code(
        for vital: VitalSign, kind: ReadingKind, qualifiers: [String: String] = [:], canonical: ProjectCanonical = .default
    ) -> VitalSignCode {
        switch (vital, kind) {
        case (.pulseRate, .spotCheckOximetry), (.pulseRate, .continuousOximetry):
            return oximeterPulse
        case (.glucose, _):
            if let type = qualifiers[QualifierMapping.glucoseSampleTypeKey], let code = glucoseBySampleType[type] {
                return code
            }
            return capillaryGlucose
        default:
            if let code = table[vital] { return code }
            return VitalSignCode(
                mdc: FHIRCoding(canonical.vitalSignCodeSystem, vital.rawValue, vital.rawValue), text: vital.rawValue)
        }
    }
}
