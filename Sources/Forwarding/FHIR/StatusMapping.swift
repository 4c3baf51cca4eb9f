import Foundation
public import HealthProfiles

/// What the device's status flags do to the FHIR Observations, following the PHD IG 2.0.0 table "Measurement
/// Status" (input/intro-notes/StructureDefinition-PhdBaseObservation-notes.md):
/// invalid -> dataAbsentReason `error` and status `entered-in-error`; not-available -> `not-performed`;
/// measurement ongoing -> `temp-unknown` (value withheld, status preliminary); questionable, calibrating,
/// validated, early-estimate -> `interpretation` with the measurement-status code system, one interpretation
/// element per status (PhdBaseObservation.fsh: `interpretation.coding contains MsmtStatusInterpretation 1..1`);
/// test and demo data, and a control-solution test -> `meta.security` HTEST.
///
/// Device-specific status bit strings (blood-pressure measurement status, pulse-oximeter device and sensor
/// status, glucose sensor status annunciation) become a PhdBitsEnumerationObservation whose components are the
/// set bits, coded with the ASN1ToHL7 code system, `valueBoolean` true (PhdBitsEnumerationObservation.fsh:
/// `value[x] only boolean`). A flag that is not a bit of such a field is never dressed up as one: it is mapped
/// by the table above or, failing that, named in the Observation's note.
///
/// On top of the IG, every flag that makes a reading unreliable (`ReadingFlag.makesReadingUnreliable`)
/// without a more specific mapping marks the Observation `questionable`, and a note lists the device's
/// flags in words, so that the nurse sees at a glance that a control measurement is needed.
///
/// Keyed by the flags' raw values (stable storage keys), so that a flag added by the decoders maps as soon
/// as a row names it and is still named in the note before that.
public enum StatusMapping {
    struct Effect {
        var interpretation: String?
        var dataAbsentReason: String?
        var preliminary = false
        var testData = false
        var enteredInError = false
    }

    static let effects: [String: Effect] = [
        "invalid-measurement-detected": Effect(dataAbsentReason: "error", enteredInError: true),
        "measurement-unavailable": Effect(dataAbsentReason: "not-performed"),
        "measurement-ongoing": Effect(dataAbsentReason: "temp-unknown", preliminary: true),
        "questionable-measurement-detected": Effect(interpretation: "questionable"),
        "calibration-ongoing": Effect(interpretation: "calibration-ongoing"),
        "validated-data": Effect(interpretation: "validated-data"),
        "early-estimated-data": Effect(interpretation: "early-indication", preliminary: true),
        "data-for-testing": Effect(testData: true),
        "data-for-demonstration": Effect(testData: true),
        "control-solution": Effect(testData: true),
    ]

    static let measurementStatusDisplay: [String: String] = [
        "questionable": "Questionable", "calibration-ongoing": "Calibration ongoing",
        "validated-data": "Validated data", "early-indication": "Early indication",
    ]

    /// IEEE 11073 status bit strings and the bit each flag sets.
    struct BitString {
        let mdc: FHIRCoding
        let text: String
    }

    static let bloodPressureStatus = BitString(
        mdc: .mdc(8410608, "MDC_BLOOD_PRESSURE_MEASUREMENT_STATUS"), text: "Blood pressure measurement status")
    static let pulseOximeterStatus = BitString(
        mdc: .mdc(150604, "MDC_PULS_OXIM_DEV_STATUS"), text: "Pulse oximeter device and sensor status")
    static let glucoseStatus = BitString(
        mdc: .mdc(8417752, "MDC_GLU_METER_DEV_STATUS"), text: "Glucose meter device status")

    static let bits: [String: (code: String, name: String)] = [
        "body-movement": ("8410608.0", "body-movement"),
        "cuff-too-loose": ("8410608.1", "cuff-too-loose"),
        "irregular-pulse": ("8410608.2", "irregular-pulse"),
        "pulse-rate-above-upper-limit": ("8410608.3", "pulse-over-range-limit"),
        "pulse-rate-below-lower-limit": ("8410608.4", "pulse-under-range-limit"),
        "improper-measurement-position": ("8410608.5", "improper-body-position"),
        "sensor-disconnected": ("150604.0", "sensor-disconnected"),
        "sensor-malfunctioning": ("150604.1", "sensor-malfunction"),
        "sensor-displaced": ("150604.2", "sensor-displaced"),
        "unknown-sensor-connected": ("150604.3", "sensor-unsupported"),
        "sensor-unconnected-to-user": ("150604.4", "sensor-off"),
        "sensor-interference-detected": ("150604.5", "sensor-interference"),
        "signal-analysis-ongoing": ("150604.6", "signal-searching"),
        "questionable-pulse-detected": ("150604.7", "signal-pulse-questionable"),
        "nonpulsatile-signal-detected": ("150604.8", "signal-non-pulsatile"),
        "erratic-signal-detected": ("150604.9", "signal-erratic"),
        "low-perfusion-detected": ("150604.10", "signal-low-perfusion"),
        "poor-signal-detected": ("150604.11", "signal-poor"),
        "inadequate-signal-detected": ("150604.12", "signal-inadequate"),
        "signal-processing-irregularity-detected": ("150604.13", "signal-processing-irregularity"),
        "equipment-malfunction-detected": ("150604.14", "device-equipment-malfunction"),
        "extended-display-update-ongoing": ("150604.15", "device-extended-update"),
        "device-battery-low": ("8417752.0", "device-battery-low"),
        "sensor-malfunction": ("8417752.1", "sensor-malfunction"),
        "sample-size-insufficient": ("8417752.2", "sensor-sample-size-insufficient"),
        "strip-insertion-error": ("8417752.3", "sensor-strip-insertion"),
        "strip-type-incorrect": ("8417752.4", "sensor-strip-type-incorrect"),
        "result-higher-than-device-can-process": ("8417752.5", "sensor-result-too-high"),
        "result-lower-than-device-can-process": ("8417752.6", "sensor-result-too-low"),
        "sensor-temperature-too-high": ("8417752.7", "sensor-temp-too-high"),
        "sensor-temperature-too-low": ("8417752.8", "sensor-temp-too-low"),
        "sensor-read-interrupted": ("8417752.9", "sensor-read-interrupt"),
        "general-device-fault": ("8417752.10", "device-gen-fault"),
    ]

    /// The status bit string a reading of `kind` reports its flags under.
    static func bitString(for kind: ReadingKind) -> BitString? {
        switch kind {
        case .bloodPressure: return bloodPressureStatus
        case .spotCheckOximetry, .continuousOximetry: return pulseOximeterStatus
        case .glucose: return glucoseStatus
        default: return nil
        }
    }

    /// The combined effect of a reading's flags.
    struct Summary {
        var interpretations: [String] = []
        var dataAbsentReason: String?
        var preliminary = false
        var testData = false
        var enteredInError = false
        var unreliableFlags: [ReadingFlag] = []
    }

    static func summarize(_ flags: [ReadingFlag]) -> Summary {
        var summary = Summary()
        for flag in flags {
            let effect = effects[flag.rawValue]
            if let code = effect?.interpretation, !summary.interpretations.contains(code) {
                summary.interpretations.append(code)
            }
            if let reason = effect?.dataAbsentReason, summary.dataAbsentReason == nil {
                summary.dataAbsentReason = reason
            }
            summary.preliminary = summary.preliminary || (effect?.preliminary ?? false)
            summary.testData = summary.testData || (effect?.testData ?? false)
            summary.enteredInError = summary.enteredInError || (effect?.enteredInError ?? false)
            if flag.makesReadingUnreliable {
                summary.unreliableFlags.append(flag)
                if effect?.interpretation == nil, effect?.dataAbsentReason == nil, effect?.testData != true,
                   !summary.interpretations.contains("questionable")
                {
                    summary.interpretations.append("questionable")
                }
            }
        }
        return summary
    }

    /// "body movement" for `.bodyMovement`: the words a nurse reads.
    public static func words(_ flag: ReadingFlag) -> String {
        flag.rawValue.replacingOccurrences(of: "-", with: " ")
    }

    /// The component of the status Observation for `flag`: its bit, set. Nil for a flag that is no bit of a
    /// device status field (it is mapped by `effects` or named in the note instead).
    static func bitComponent(for flag: ReadingFlag) -> JSON? {
        guard let bit = bits[flag.rawValue] else { return nil }
        return [
            "code": ["coding": [FHIRCoding(CodeSystem.asn1ToHL7, bit.code, bit.name).json], "text": .string(words(flag))],
            "valueBoolean": true,
        ]
    }
}
