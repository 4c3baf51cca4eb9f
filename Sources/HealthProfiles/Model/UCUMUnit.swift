/// The UCUM units a health reading can carry, spelled exactly as UCUM (and so FHIR) spells them.
public enum UCUMUnit: String, Sendable, Hashable, Codable, CaseIterable {
    case millimetreOfMercury = "mm[Hg]"
    case kilopascal = "kPa"
    case perMinute = "/min"
    case percent = "%"
    case celsius = "Cel"
    case fahrenheit = "[degF]"
    case kilogram = "kg"
    case pound = "[lb_av]"
    case metre = "m"
    /// Body height as the FHIR R4 bodyheight profile wants it (the Weight Scale reports m; the forwarder converts).
    case centimetre = "cm"
    case inch = "[in_i]"
    case kilogramPerSquareMetre = "kg/m2"
    case milligramPerDecilitre = "mg/dL"
    case millimolePerLitre = "mmol/L"
    case kilohm = "kOhm"
    /// Body Composition impedance is reported in 0.1 Ω steps.
    case ohm = "Ohm"
    case kilojoule = "kJ"
    case percentPerSecond = "%/s"

    /// Human-readable symbol for logs and the CLI.
    public var display: String {
        switch self {
        case .millimetreOfMercury: return "mmHg"
        case .celsius: return "°C"
        case .fahrenheit: return "°F"
        case .pound: return "lb"
        case .inch: return "in"
        case .perMinute: return "bpm"
        case .kilogramPerSquareMetre: return "kg/m²"
        case .ohm: return "Ω"
        default: return rawValue
        }
    }
}
