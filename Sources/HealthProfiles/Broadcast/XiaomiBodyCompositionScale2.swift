/// Xiaomi Mi Body Composition Scale 2 (XMTZC05HM, advertises as "MIBFS"; the first one, XMTZC02HM "MIBCS", alike):
/// service data of the Body Composition service (0x181B), 13 bytes.
///
/// Layout (theengs/decoder src/devices/XMTZC05HMKG_json.h and its captured frames in tests/BLE/test_ble.cpp, e.g.
/// `0226e607020e10293af7019a38` = 72.45 kg, impedance 503 Ω, 2022-02-14 16:41:58; control bits as openScale's
/// MiScaleHandler.kt parseLive13): control0 | control1 | year uint16 LE | month | day | hours | minutes | seconds |
/// impedance uint16 LE | weight uint16 LE. control0: bit 0 pounds, bit 2 object mode. control1: bit 1 impedance
/// measured, bit 5 stabilised, bit 6 jin, bit 7 weight removed. The settled weight is sent first, the impedance
/// seconds later (if the feet are bare), both with the same time stamp.
public enum XiaomiBodyCompositionScale2: BroadcastCodec {
    public static let name = "xiaomi-mi-body-composition-scale-2"
    public static let displayName = "Xiaomi Mi Body Composition Scale 2 advertisement (service data 0x181B)"
    public static let readingSource: UInt16 = GATTService.bodyComposition.rawValue
    public static let stampsWeighings = true
    static let service = GATTService.bodyComposition.uuid

    enum Control {
        static let pounds: UInt8 = 1 << 0  // control0
        static let objectMode: UInt8 = 1 << 2  // control0
        static let impedance: UInt8 = 1 << 1  // control1
        static let stabilised: UInt8 = 1 << 5  // control1
    }

    public static func weighings(in data: AdvertisedData) throws(DecodeError) -> [BroadcastWeighing] {
        guard let frame = data.serviceData[service] else { return [] }
        var reader = ByteReader(frame, characteristic: displayName)
        let control0 = try reader.uint8("Control 0"), control1 = try reader.uint8("Control 1")
        let timestamp = try timestamp(&reader)
        let impedance = try reader.uint16("Impedance")
        let steps = try reader.uint16("Weight")
        try reader.expectEnd()
        let (weight, unit) = XiaomiScaleUnits.weight(steps, pounds: control0 & Control.pounds != 0)
        return [BroadcastWeighing(
            weight: weight, unit: unit, stabilised: control1 & Control.stabilised != 0,
            objectMode: control0 & Control.objectMode != 0,
            impedance: control1 & Control.impedance != 0 && impedance > 0 ? impedance : nil,
            timestamp: timestamp, rawFrame: frame)]
    }

    public static func advertisement(for weighing: BroadcastWeighing) throws(EncodeError) -> AdvertisedData {
        var control0: UInt8 = 0x02, control1: UInt8 = 0x04  // set in every captured frame (meaning not published)
        if weighing.unit == .pound { control0 |= Control.pounds }
        if weighing.objectMode { control0 |= Control.objectMode }
        if weighing.stabilised { control1 |= Control.stabilised }
        if weighing.impedance != nil { control1 |= Control.impedance }
        let steps = try steps(weighing, resolution: XiaomiScaleUnits.resolution(weighing.unit), field: "Weight")
        let impedance = weighing.impedance ?? 0
        let frame = [control0, control1] + (try timestampBytes(weighing.timestamp))
            + [UInt8(impedance & 0xFF), UInt8(impedance >> 8), UInt8(steps & 0xFF), UInt8(steps >> 8)]
        return AdvertisedData(serviceData: [service: frame])
    }
}
