/// Xiaomi Mi Smart Scale 2 (XMTZC04HM; also the first Mi Scale, XMTZC01HM): service data of the Weight Scale
/// service (0x181D), 10 bytes, sent while someone stands on it and for a while after.
///
/// Layout (theengs/decoder src/devices/XMTZC04HMKG_json.h and its captured frames in tests/BLE/test_ble.cpp, e.g.
/// `223e30e607020e10293a` = 61.75 kg on 2022-02-14 16:41:58; status bits as openScale's MiScaleHandler.kt
/// parseHistory10 and pohy/mi-scale-2's README): status uint8 | weight uint16 LE | year uint16 LE | month | day |
/// hours | minutes | seconds. Status: bit 0 pounds, bit 4 jin (catty), bit 5 stabilised, bit 6 object mode,
/// bit 7 weight removed (the stabilised value is repeated after the patient stepped off). Weight steps: 0.005 kg,
/// 0.01 lb or 0.01 jin. The time stamp is the scale's time of the weighing, the same in every repeat.
public enum XiaomiMiScale2: BroadcastCodec {
    public static let name = "xiaomi-mi-scale-2"
    public static let displayName = "Xiaomi Mi Scale 2 advertisement (service data 0x181D)"
    public static let readingSource: UInt16 = GATTService.weightScale.rawValue
    public static let stampsWeighings = true
    static let service = GATTService.weightScale.uuid

    enum Status {
        static let pounds: UInt8 = 1 << 0
        static let stabilised: UInt8 = 1 << 5
        static let objectMode: UInt8 = 1 << 6
        static let removed: UInt8 = 1 << 7
    }

    public static func weighings(in data: AdvertisedData) throws(DecodeError) -> [BroadcastWeighing] {
        guard let frame = data.serviceData[service] else { return [] }
        var reader = ByteReader(frame, characteristic: displayName)
        let status = try reader.uint8("Status")
        let steps = try reader.uint16("Weight")
        let timestamp = try timestamp(&reader)
        try reader.expectEnd()
        let (weight, unit) = XiaomiScaleUnits.weight(steps, pounds: status & Status.pounds != 0)
        return [BroadcastWeighing(
            weight: weight, unit: unit, stabilised: status & Status.stabilised != 0,
            objectMode: status & Status.objectMode != 0, timestamp: timestamp, rawFrame: frame)]
    }

    public static func advertisement(for weighing: BroadcastWeighing) throws(EncodeError) -> AdvertisedData {
        var status: UInt8 = 0x02  // bit 1 is set in every captured frame (its meaning is not published)
        if weighing.unit == .pound { status |= Status.pounds }
        if weighing.stabilised { status |= Status.stabilised }
        if weighing.objectMode { status |= Status.objectMode }
        let steps = try steps(weighing, resolution: XiaomiScaleUnits.resolution(weighing.unit), field: "Weight")
        let frame = [status, UInt8(steps & 0xFF), UInt8(steps >> 8)] + (try timestampBytes(weighing.timestamp))
        return AdvertisedData(serviceData: [service: frame])
    }
}

/// The weight units both Xiaomi scales share: 0.005 kg steps, or 0.01 lb steps. A scale showing jin sends 0.01 jin
/// steps, and 0.01 jin is 0.005 kg: the same number, read as kg.
enum XiaomiScaleUnits {
    static func weight(_ steps: UInt16, pounds: Bool) -> (DecimalNumber, UCUMUnit) {
        pounds ? (DecimalNumber(mantissa: Int64(steps), exponent: -2), .pound)
            : (DecimalNumber(mantissa: Int64(steps) * 5, exponent: -3), .kilogram)
    }

    static func resolution(_ unit: UCUMUnit) -> DecimalNumber {
        unit == .pound ? DecimalNumber(mantissa: 1, exponent: -2) : DecimalNumber(mantissa: 5, exponent: -3)
    }
}
