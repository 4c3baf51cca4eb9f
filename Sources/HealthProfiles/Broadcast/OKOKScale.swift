/// OKOK / Chipsea scales sold under many names ("Chipsea-BLE", "Yoda0", nameless): manufacturer data under a
/// company identifier whose low byte is 0xC0 (the high byte changes from one advertisement to the next), 13 bytes.
///
/// Layout (openScale's OkOkHandler.kt parseC0 and the older BluetoothOKOK2.java; captured frames in
/// rrooggiieerr/homeassistant-okokscale issue 7, scale B4:56:5D:37:76:9A: `0x10FF C045 1D79 17700A0125B4565D37769A`
/// = 75.45 kg, `C048 0203 1770…` = 5.15 kg; openScale issue 950: `C05B 0000 17700A0124…` while nobody stands
/// on it): weight uint16 BE | two bytes (constant 0x1770 in every capture) | product id uint16 | attributes |
/// the scale's address (6 bytes; zeros on some models, openScale issue 1177). Attributes: bit 0 stabilised,
/// bits 1-2 resolution (0: 0.1, 1: 1, 2: 0.01), bits 3-4 unit (0 kg, 1 jin, 2 lb, 3 st:lb — stones in the first
/// weight byte, pounds in the second). The scale sends no time: its weighings have no identity but value and time
/// of receipt (the profile's settle window).
public enum OKOKScale: BroadcastCodec {
    public static let name = "okok-c0"
    public static let displayName = "OKOK/Chipsea scale advertisement (manufacturer data 0x..C0)"
    /// The low byte of the company identifiers the scale uses.
    public static let readingSource: UInt16 = 0x00C0
    public static let stampsWeighings = false
    static let frameLength = 13

    enum Attribute {
        static let stabilised: UInt8 = 1 << 0
    }

    public static func weighings(in data: AdvertisedData) throws(DecodeError) -> [BroadcastWeighing] {
        try data.manufacturerData.keys.filter { $0 & 0xFF == 0xC0 }.sorted().map { company throws(DecodeError) in
            try weighing(company: company, data.manufacturerData[company] ?? [])
        }
    }

    static func weighing(company: UInt16, _ frame: [UInt8]) throws(DecodeError) -> BroadcastWeighing {
        var reader = ByteReader(frame, characteristic: displayName)
        let high = try reader.uint8("Weight"), low = try reader.uint8("Weight")
        _ = try reader.bytes(4, "Product")
        let attributes = try reader.uint8("Attributes")
        _ = try reader.bytes(6, "Address")
        try reader.expectEnd()
        let decimals: Int
        switch (attributes >> 1) & 0x03 {
        case 0: decimals = 1
        case 1: decimals = 0
        case 2: decimals = 2
        default: throw reader.invalid("Attributes", "resolution 3 is not defined")
        }
        let raw = Int64(high) << 8 | Int64(low)
        let weight: DecimalNumber, unit: UCUMUnit
        switch (attributes >> 3) & 0x03 {
        case 0: (weight, unit) = (DecimalNumber(mantissa: raw, exponent: -decimals), .kilogram)
        case 1: (weight, unit) = (DecimalNumber(mantissa: raw * 5, exponent: -decimals - 1), .kilogram)  // jin: 0.5 kg
        case 2: (weight, unit) = (DecimalNumber(mantissa: raw, exponent: -decimals), .pound)
        default:
            // Stones and pounds: 14 lb a stone.
            let pounds = DecimalNumber(mantissa: Int64(low), exponent: -decimals)
            weight = DecimalNumber(mantissa: Int64(high) * 14 * pow10(decimals) + pounds.mantissa, exponent: -decimals)
            unit = .pound
        }
        let stored = [UInt8(company & 0xFF), UInt8(company >> 8)] + frame  // the company identifier as advertised
        return BroadcastWeighing(weight: weight, unit: unit, stabilised: attributes & Attribute.stabilised != 0, rawFrame: stored)
    }

    private static func pow10(_ exponent: Int) -> Int64 { (0..<exponent).reduce(1) { value, _ in value * 10 } }

    /// Encoded in kg or lb at 0.01 steps, under company 0x45C0 with the product bytes and zero address of the
    /// captures (the simulator plays a scale that does not put its address in).
    public static func advertisement(for weighing: BroadcastWeighing) throws(EncodeError) -> AdvertisedData {
        guard weighing.unit == .kilogram || weighing.unit == .pound else {
            throw .inconsistent(characteristic: displayName, detail: "the scale sends kg, jin, lb or st:lb")
        }
        let steps = try steps(weighing, resolution: DecimalNumber(mantissa: 1, exponent: -2), field: "Weight")
        var attributes: UInt8 = 2 << 1  // 0.01
        if weighing.unit == .pound { attributes |= 2 << 3 }
        if weighing.stabilised { attributes |= Attribute.stabilised }
        let frame = [UInt8(steps >> 8), UInt8(steps & 0xFF), 0x17, 0x70, 0x0A, 0x01, attributes] + [UInt8](repeating: 0, count: 6)
        return AdvertisedData(manufacturerData: [0x45C0: frame])
    }
}
