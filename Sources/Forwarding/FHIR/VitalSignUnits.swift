import HealthProfiles

/// Units the FHIR R4 vital-signs profiles do not allow, converted to ones they do (R4 says vital signs SHALL
/// conform to those profiles):
/// - blood pressure in kPa, which the Bluetooth Blood Pressure Measurement allows: the `bp` profile fixes
///   systolic and diastolic to mm[Hg]. 1 kPa = 7.50062 mm[Hg] (1 mm[Hg] = 133.322 Pa). A cuff reports kPa with
///   one decimal (0.1 kPa = 0.75 mm[Hg]), so the converted value keeps one decimal: more would claim a precision
///   the device never had.
/// - body height in m (the Weight Scale's SI unit): the `bodyheight` profile allows cm and [in_i]; ×100 is exact.
/// The device's own value and unit stay traceable: the Observation's note states them, and the hub keeps the
/// raw frame.
enum VitalSignUnits {
    static let millimetresOfMercuryPerKilopascal = 7.50062

    /// The reading with every such component converted, and the note text naming the original values; nil
    /// note when nothing was converted.
    static func conforming(_ reading: Reading) -> (reading: Reading, note: String?) {
        var converted = reading
        var originals: [String] = []
        for index in converted.components.indices {
            let component = converted.components[index]
            let replacement: (UCUMUnit, (DecimalNumber) -> DecimalNumber)
            switch component.unit {
            case .kilopascal:
                replacement = (.millimetreOfMercury, { value in
                    DecimalNumber(mantissa: Int64((value.doubleValue * millimetresOfMercuryPerKilopascal * 10).rounded()), exponent: -1)
                })
            case .metre where component.vital == .height:
                replacement = (.centimetre, { $0.scaled(byPowerOfTen: 2) })
            default:
                continue
            }
            converted.components[index].unit = replacement.0
            if case let .number(value) = component.value {
                converted.components[index].value = .number(replacement.1(value))
                originals.append("\(component.vital.rawValue.replacingOccurrences(of: "-", with: " ")) \(value) \(component.unit.rawValue)")
            }
        }
        guard !originals.isEmpty else { return (converted, nil) }
        return (converted, "The device reported " + originals.joined(separator: ", ")
            + "; sent converted to the unit the FHIR vital-signs profile requires (1 kPa = 7.50062 mm[Hg], 1 m = 100 cm).")
    }
}
