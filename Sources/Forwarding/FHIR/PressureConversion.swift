import HealthProfiles

/// Blood pressure in kPa, which the Bluetooth Blood Pressure Measurement allows, converted to mm[Hg]: the FHIR
/// R4 `bp` profile fixes the unit of systolic and diastolic to mm[Hg], and R4 says vital signs SHALL conform.
///
/// 1 kPa = 7.50062 mm[Hg] (1 mm[Hg] = 133.322 Pa). A cuff reports kPa with one decimal (0.1 kPa = 0.75 mm[Hg]),
/// so the converted value keeps one decimal: more would claim a precision the device never had. The device's
/// own value and unit stay traceable: the Observation's note states them, and the hub keeps the raw frame.
enum PressureConversion {
    static let millimetresOfMercuryPerKilopascal = 7.50062

    /// The reading with every kPa component in mm[Hg], and the note text naming the original values; nil note
    /// when nothing was converted.
    static func inMillimetresOfMercury(_ reading: Reading) -> (reading: Reading, note: String?) {
        var converted = reading
        var originals: [String] = []
        for index in converted.components.indices where converted.components[index].unit == .kilopascal {
            let component = converted.components[index]
            converted.components[index].unit = .millimetreOfMercury
            if case let .number(value) = component.value {
                let millimetres = (value.doubleValue * millimetresOfMercuryPerKilopascal * 10).rounded()
                converted.components[index].value = .number(DecimalNumber(mantissa: Int64(millimetres), exponent: -1))
                originals.append("\(component.vital.rawValue.replacingOccurrences(of: "-", with: " ")) \(value) kPa")
            }
        }
        guard !originals.isEmpty else { return (converted, nil) }
        return (converted, "The device measured in kPa (" + originals.joined(separator: ", ")
            + "); the values are sent converted to mm[Hg] (1 kPa = 7.50062 mm[Hg]).")
    }
}
