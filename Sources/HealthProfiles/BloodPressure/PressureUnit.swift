/// Unit of the blood-pressure compound value and cuff pressure (Flags bit 0: 0 = mmHg, 1 = kPa).
public enum PressureUnit: String, Sendable, Hashable, Codable {
    case millimetreOfMercury = "mmHg"
    case kilopascal = "kPa"

    init(flagBit: Bool) { self = flagBit ? .kilopascal : .millimetreOfMercury }
    var flagBit: Bool { self == .kilopascal }

    public var ucum: UCUMUnit { self == .kilopascal ? .kilopascal : .millimetreOfMercury }
}
