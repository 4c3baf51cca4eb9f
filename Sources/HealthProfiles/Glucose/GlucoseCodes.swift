/// Enumerations of the Glucose Service. Each has a stable lower-case `code` used as a `Reading` qualifier.
/// Values the specification reserves are rejected by the decoders: they carry no meaning we could forward.

/// Glucose sample type (low nibble of Type-Sample Location).
public enum GlucoseSampleType: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case capillaryWholeBlood = 1, capillaryPlasma, venousWholeBlood, venousPlasma, arterialWholeBlood, arterialPlasma
    case undeterminedWholeBlood, undeterminedPlasma, interstitialFluid, controlSolution

    public var code: String {
        switch self {
        case .capillaryWholeBlood: return "capillary-whole-blood"
        case .capillaryPlasma: return "capillary-plasma"
        case .venousWholeBlood: return "venous-whole-blood"
        case .venousPlasma: return "venous-plasma"
        case .arterialWholeBlood: return "arterial-whole-blood"
        case .arterialPlasma: return "arterial-plasma"
        case .undeterminedWholeBlood: return "undetermined-whole-blood"
        case .undeterminedPlasma: return "undetermined-plasma"
        case .interstitialFluid: return "interstitial-fluid"
        case .controlSolution: return "control-solution"
        }
    }
}

/// Glucose sample location (high nibble of Type-Sample Location).
public enum GlucoseSampleLocation: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case finger = 1, alternateSiteTest, earlobe, controlSolution
    case notAvailable = 15

    public var code: String {
        switch self {
        case .finger: return "finger"
        case .alternateSiteTest: return "alternate-site-test"
        case .earlobe: return "earlobe"
        case .controlSolution: return "control-solution"
        case .notAvailable: return "not-available"
        }
    }
}

/// Glucose concentration unit on the wire (Flags bit 2).
public enum GlucoseConcentrationUnit: String, Sendable, Hashable, Codable {
    case kilogramPerLitre = "kg/L"
    case molePerLitre = "mol/L"
}

/// Glucose Measurement Context: Carbohydrate ID.
public enum GlucoseCarbohydrate: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case breakfast = 1, lunch, dinner, snack, drink, supper, brunch

    public var code: String { String(describing: self) }
}

/// Glucose Measurement Context: Meal.
public enum GlucoseMeal: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case preprandial = 1, postprandial, fasting, casual, bedtime

    public var code: String { String(describing: self) }
}

/// Glucose Measurement Context: Tester (low nibble of Tester-Health).
public enum GlucoseTester: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case selfTest = 1, healthCareProfessional, labTest
    case notAvailable = 15

    public var code: String {
        switch self {
        case .selfTest: return "self"
        case .healthCareProfessional: return "health-care-professional"
        case .labTest: return "lab-test"
        case .notAvailable: return "not-available"
        }
    }
}

/// Glucose Measurement Context: Health (high nibble of Tester-Health).
public enum GlucoseHealth: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case minorHealthIssues = 1, majorHealthIssues, duringMenses, underStress, noHealthIssues
    case notAvailable = 15

    public var code: String {
        switch self {
        case .minorHealthIssues: return "minor-health-issues"
        case .majorHealthIssues: return "major-health-issues"
        case .duringMenses: return "during-menses"
        case .underStress: return "under-stress"
        case .noHealthIssues: return "no-health-issues"
        case .notAvailable: return "not-available"
        }
    }
}

/// Glucose Measurement Context: Medication ID.
public enum GlucoseMedication: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case rapidActingInsulin = 1, shortActingInsulin, intermediateActingInsulin, longActingInsulin, preMixedInsulin

    public var code: String {
        switch self {
        case .rapidActingInsulin: return "rapid-acting-insulin"
        case .shortActingInsulin: return "short-acting-insulin"
        case .intermediateActingInsulin: return "intermediate-acting-insulin"
        case .longActingInsulin: return "long-acting-insulin"
        case .preMixedInsulin: return "pre-mixed-insulin"
        }
    }
}

/// Glucose Measurement Context: medication amount unit (Flags bit 5).
public enum GlucoseMedicationUnit: String, Sendable, Hashable, Codable {
    case kilograms = "kg"
    case litres = "L"
}

extension ByteReader {
    /// Reads a one-byte (or nibble) enumeration and rejects values the specification reserves.
    mutating func code<Code: RawRepresentable>(_ raw: UInt8, _ type: Code.Type, _ field: String) throws(DecodeError) -> Code
    where Code.RawValue == UInt8 {
        guard let value = Code(rawValue: raw) else { throw invalid(field, "\(raw) is reserved") }
        return value
    }
}
