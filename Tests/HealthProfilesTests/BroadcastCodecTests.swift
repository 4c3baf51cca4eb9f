import Testing
@testable import HealthProfiles

/// The broadcast scales' codecs against advertisements captured from real scales (sources named per test).
@Suite struct BroadcastCodecTests {
    static func serviceData(_ service: GATTService, _ frame: String) -> AdvertisedData {
        AdvertisedData(serviceData: [service.uuid: hex(frame)])
    }

    static func only<Codec: BroadcastCodec>(_ codec: Codec.Type, _ data: AdvertisedData) throws -> BroadcastWeighing {
        let weighings = try codec.weighings(in: data)
        #expect(weighings.count == 1)
        return try #require(weighings.first)
    }

    // MARK: Xiaomi Mi Scale 2 — theengs/decoder tests/BLE/test_ble.cpp ("Mi Smart Scale", 0x181d) and the expected
    // values it lists for them (61.75 kg person, 9.55 kg object, 131.7 lb).

    @Test func miScale2CapturedFrames() throws {
        let person = try Self.only(XiaomiMiScale2.self, Self.serviceData(.weightScale, "223e30e607020e10293a"))
        #expect(person.weight == decimal("61.75") && person.unit == .kilogram)
        #expect(person.isFinal && person.impedance == nil)
        #expect(person.timestamp == date(2022, 2, 14, 16, 41, 58))
        let object = try Self.only(XiaomiMiScale2.self, Self.serviceData(.weightScale, "627607e607020e10293a"))
        #expect(object.weight == decimal("9.55") && object.objectMode && !object.isFinal)
        let pounds = try Self.only(XiaomiMiScale2.self, Self.serviceData(.weightScale, "237233e607020e10293a"))
        #expect(pounds.weight == decimal("131.7") && pounds.unit == .pound && pounds.isFinal)
        // Stepped off: the settled value repeated, the same reading.
        let removed = try Self.only(XiaomiMiScale2.self, Self.serviceData(.weightScale, "a23e30e607020e10293a"))
        #expect(removed.isFinal && removed.reading(source: XiaomiMiScale2.readingSource) == person.reading(source: XiaomiMiScale2.readingSource))
        // Not captured: the first capture with the stabilised bit cleared, as the scale sends while settling.
        let interim = try Self.only(XiaomiMiScale2.self, Self.serviceData(.weightScale, "023e30e607020e10293a"))
        #expect(!interim.stabilised && !interim.isFinal && interim.whyNotFinal == "interim value, not stabilised")
    }

    @Test func miScale2MalformedFramesAreErrors() throws {
        let name = XiaomiMiScale2.displayName
        #expect(throws: DecodeError.truncated(characteristic: name, field: "Minutes", needed: 1, available: 0)) {
            try XiaomiMiScale2.weighings(in: Self.serviceData(.weightScale, "223e30e607020e10"))
        }
        #expect(throws: DecodeError.invalidDate(characteristic: name, field: "Time Stamp.Month", value: 13)) {
            try XiaomiMiScale2.weighings(in: Self.serviceData(.weightScale, "223e30e6070d0e10293a"))
        }
        #expect(throws: DecodeError.trailingBytes(characteristic: name, count: 1)) {
            try XiaomiMiScale2.weighings(in: Self.serviceData(.weightScale, "223e30e607020e10293a00"))
        }
        // Another service's data, or only an RSSI update: none of the model's data.
        #expect(try XiaomiMiScale2.weighings(in: Self.serviceData(.bodyComposition, "223e30e607020e10293a")).isEmpty)
        #expect(try XiaomiMiScale2.weighings(in: AdvertisedData()).isEmpty)
    }

    // MARK: Xiaomi Mi Body Composition Scale 2 — theengs/decoder tests/BLE/test_ble.cpp ("Mi_Body_Scale_2", 0x181b)
    // and its expected values (72.45 kg with and without impedance 503, 5.1 kg object, 140.65 lb).

    @Test func bodyCompositionScale2CapturedFrames() throws {
        let withImpedance = try Self.only(XiaomiBodyCompositionScale2.self, Self.serviceData(.bodyComposition, "0226e607020e10293af7019a38"))
        #expect(withImpedance.weight == decimal("72.45") && withImpedance.unit == .kilogram && withImpedance.impedance == 503)
        #expect(withImpedance.isFinal && withImpedance.timestamp == date(2022, 2, 14, 16, 41, 58))
        let settled = try Self.only(XiaomiBodyCompositionScale2.self, Self.serviceData(.bodyComposition, "0224e607020e10293a00009a38"))
        #expect(settled.weight == decimal("72.45") && settled.impedance == nil && settled.isFinal)
        // The settled weight and, seconds later, the same weighing with its impedance are one reading.
        let source = XiaomiBodyCompositionScale2.readingSource
        #expect(settled.reading(source: source) == withImpedance.reading(source: source))
        let object = try Self.only(XiaomiBodyCompositionScale2.self, Self.serviceData(.bodyComposition, "0624e607020e10293a0000fc03"))
        #expect(object.weight == decimal("5.1") && object.objectMode && !object.isFinal)
        let pounds = try Self.only(XiaomiBodyCompositionScale2.self, Self.serviceData(.bodyComposition, "0326e607020e10293af701f136"))
        #expect(pounds.weight == decimal("140.65") && pounds.unit == .pound && pounds.impedance == 503)
        let reading = settled.reading(source: source)
        #expect(reading.kind == .bodyWeight && reading.characteristic == 0x181B)
        #expect(reading.component(.bodyWeight) == ReadingComponent(.bodyWeight, .number(decimal("72.45")), .kilogram))
    }

    @Test func bodyCompositionScale2MalformedFramesAreErrors() {
        #expect(throws: DecodeError.truncated(
            characteristic: XiaomiBodyCompositionScale2.displayName, field: "Weight", needed: 2, available: 1)) {
            try XiaomiBodyCompositionScale2.weighings(in: Self.serviceData(.bodyComposition, "0226e607020e10293af7019a"))
        }
        #expect(throws: DecodeError.invalidDate(
            characteristic: XiaomiBodyCompositionScale2.displayName, field: "Time Stamp.Hours", value: 24)) {
            try XiaomiBodyCompositionScale2.weighings(in: Self.serviceData(.bodyComposition, "0226e607020e18293af7019a38"))
        }
    }

    // MARK: OKOK / Chipsea — rrooggiieerr/homeassistant-okokscale issue 7 (B4:56:5D:37:76:9A: 75.45 kg, 5.15 kg),
    // openScale issue 950 (nobody on the scale) and issue 1177 (Yoda0, 76.3 kg, zero address).

    @Test func okokCapturedFrames() throws {
        let first = try Self.only(OKOKScale.self, AdvertisedData(manufacturerData: [0x45C0: hex("1D7917700A0125B4565D37769A")]))
        #expect(first.weight == decimal("75.45") && first.unit == .kilogram && first.isFinal && first.timestamp == nil)
        #expect(first.rawFrame == hex("C045 1D7917700A0125B4565D37769A"))
        let second = try Self.only(OKOKScale.self, AdvertisedData(manufacturerData: [0x48C0: hex("020317700A0125B4565D37769A")]))
        #expect(second.weight == decimal("5.15") && second.isFinal)
        let empty = try Self.only(OKOKScale.self, AdvertisedData(manufacturerData: [0x5BC0: hex("000017700A01245D0249A63DE8")]))
        #expect(!empty.stabilised && empty.weight == decimal("0"))
        let yoda = try Self.only(OKOKScale.self, AdvertisedData(manufacturerData: [0x3FC0: hex("1DCE138800002500000000 0000")]))
        #expect(yoda.weight == decimal("76.3") && yoda.isFinal)
    }

    @Test func okokUnitsAndResolutions() throws {
        func weight(_ attributes: String, _ bytes: String = "1D79") throws -> (DecimalNumber, UCUMUnit) {
            let weighing = try Self.only(OKOKScale.self, AdvertisedData(manufacturerData: [0x01C0: hex("\(bytes)17700A01\(attributes)000000000000")]))
            return (weighing.weight, weighing.unit)
        }
        #expect(try weight("01") == (decimal("754.5"), .kilogram))  // resolution 0.1
        #expect(try weight("03") == (decimal("7545"), .kilogram))  // resolution 1
        #expect(try weight("0D") == (decimal("37.725"), .kilogram))  // jin at 0.01: 75.45 jin
        #expect(try weight("15") == (decimal("75.45"), .pound))
        #expect(try weight("1D", "0B05") == (decimal("154.05"), .pound))  // 11 st 5 lb at 0.01 → 11 × 14 + 0.05
    }

    @Test func okokMalformedFramesAreErrors() throws {
        #expect(throws: DecodeError.truncated(characteristic: OKOKScale.displayName, field: "Address", needed: 6, available: 5)) {
            try OKOKScale.weighings(in: AdvertisedData(manufacturerData: [0x45C0: hex("1D7917700A0125B4565D3776")]))
        }
        #expect(throws: DecodeError.invalidValue(characteristic: OKOKScale.displayName, field: "Attributes", detail: "resolution 3 is not defined")) {
            try OKOKScale.weighings(in: AdvertisedData(manufacturerData: [0x45C0: hex("1D7917700A0127B4565D37769A")]))
        }
        // Apple's manufacturer data (0x004C) is none of the scale's.
        #expect(try OKOKScale.weighings(in: AdvertisedData(manufacturerData: [0x004C: hex("0215")])).isEmpty)
    }

    @Test(arguments: BroadcastCodecs.names)
    func encodedWeighingsDecodeToThemselves(codec name: String) throws {
        let codec = try #require(BroadcastCodecs.codec(named: name))
        let stamp = codec.stampsWeighings ? date(2026, 12, 6, 7, 30, 5) : nil
        for (weight, unit, stabilised) in [("72.45", UCUMUnit.kilogram, true), ("80.1", .kilogram, false), ("150.5", .pound, true)] {
            let weighing = BroadcastWeighing(weight: decimal(weight), unit: unit, stabilised: stabilised, timestamp: stamp)
            let decoded = try #require(try codec.weighings(in: codec.advertisement(for: weighing)).first)
            #expect(decoded.weight == weighing.weight && decoded.unit == unit && decoded.stabilised == stabilised)
            #expect(decoded.timestamp == stamp)
        }
    }
}
