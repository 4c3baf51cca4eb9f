import DeviceProfiles
import HealthProfiles

/// The `codecs` target: feeds one input to the decoders, the assemblers and the profile parser, and checks
/// properties that must hold for every input: nothing traps, and whatever decodes re-encodes to an equal value
/// (and, for binary frames, to the same bytes).
///
/// Input layout: a little-endian UInt16 selector, then the payload. A selector that is a characteristic's
/// assigned number (0x2A35...) decodes the payload as that characteristic; the special selectors below run
/// the RACP request decoder, the two assemblers and the YAML profile parser. Other selectors are folded onto
/// the same targets so that no input is wasted.
enum CodecTarget {
    static let racpRequest: UInt16 = 0xFF52
    static let bodyCompositionSequence: UInt16 = 0xFF9C
    static let glucoseSequence: UInt16 = 0xFF18
    static let profileYAML: UInt16 = 0xFFAA
    static let broadcastAdvertisement: UInt16 = 0xFFBC

    static var targets: [UInt16] {
        GATTCharacteristic.allCases.map(\.rawValue) + [racpRequest, bodyCompositionSequence, glucoseSequence, profileYAML, broadcastAdvertisement]
    }

    static func run(_ input: [UInt8]) {
        guard input.count >= 2 else { return }
        var selector = UInt16(input[0]) | UInt16(input[1]) << 8
        let payload = Array(input.dropFirst(2))
        let all = targets
        if !all.contains(selector) { selector = all[Int(selector) % all.count] }
        switch selector {
        case racpRequest: checkRACPRequest(payload)
        case bodyCompositionSequence: checkBodyComposition(payload)
        case glucoseSequence: checkGlucose(payload)
        case profileYAML: checkProfile(payload)
        case broadcastAdvertisement: checkBroadcast(payload)
        default:
            if let characteristic = GATTCharacteristic(rawValue: selector) { checkCharacteristic(characteristic, payload) }
        }
    }

    static func checkCharacteristic(_ characteristic: GATTCharacteristic, _ payload: [UInt8]) {
        let value: DecodedCharacteristic
        do {
            value = try CharacteristicDecoder.decode(characteristic, payload)
        } catch {
            _ = error.description
            return
        }
        _ = value.readings
        if let measurement = value.value as? TemperatureMeasurement { _ = measurement.readings(defaultSite: .armpit) }
        let bytes: [UInt8]
        do { bytes = try value.encoded() } catch { violated("\(characteristic.displayName) decoded but does not re-encode: \(error)") }
        guard let again = try? CharacteristicDecoder.decode(characteristic, bytes), again == value else {
            violated("\(characteristic.displayName) re-encoding decodes differently")
        }
        // Trailing NUL padding is dropped on purpose.
        if DeviceInformationString.stringCharacteristics.contains(characteristic) { return }
        guard bytes == payload else { violated("\(characteristic.displayName) re-encodes to other bytes") }
    }

    static func checkRACPRequest(_ payload: [UInt8]) {
        guard let request = try? RACPRequest.decode(payload) else { return }
        guard request.encoded() == payload else { violated("RACP request re-encodes to other bytes") }
    }

    /// Payload: a list of [length][packet bytes] chunks fed to one assembler.
    static func checkBodyComposition(_ payload: [UInt8]) {
        var assembler = BodyCompositionAssembler()
        for chunk in chunks(payload) {
            guard let packet = try? BodyCompositionMeasurement.decode(chunk.bytes) else { continue }
            guard let joined = try? assembler.accept(packet) else { continue }
            _ = joined.readings
            guard let frame = try? joined.encoded(), (try? BodyCompositionMeasurement.decode(frame)) == joined else {
                violated("assembled body composition does not round-trip")
            }
            guard let packets = try? joined.encodedPackets(maxPayload: 20) else { violated("assembled measurement does not split") }
            var again = BodyCompositionAssembler()
            var rejoined: BodyCompositionMeasurement?
            for packet in packets {
                guard packet.count <= 20, let decoded = try? BodyCompositionMeasurement.decode(packet) else {
                    violated("split packet is invalid")
                }
                rejoined = try? again.accept(decoded)
            }
            guard rejoined == joined else { violated("split and re-joined body composition differs") }
        }
        _ = assembler.finish()?.readings
    }

    /// Payload: [kind][length][bytes] chunks; an even kind is a measurement, an odd kind a context.
    static func checkGlucose(_ payload: [UInt8]) {
        var assembler = GlucoseRecordAssembler()
        var released = 0
        var accepted = 0
        for chunk in chunks(payload) {
            if chunk.kind % 2 == 0 {
                guard let measurement = try? GlucoseMeasurement.decode(chunk.bytes) else { continue }
                accepted += 1
                let records = assembler.accept(measurement)
                released += records.count
                for record in records { _ = record.readings }
            } else {
                guard let context = try? GlucoseMeasurementContext.decode(chunk.bytes),
                      let record = try? assembler.accept(context)
                else { continue }
                released += 1
                _ = record.readings
            }
        }
        released += assembler.finish().count
        guard released == accepted else { violated("glucose assembler lost or invented a measurement") }
    }

    static func checkProfile(_ payload: [UInt8]) {
        do {
            let profile = try DeviceProfileParser.parse(yaml: String(decoding: payload, as: UTF8.self), file: "fuzz.yaml")
            _ = profile.subscriptions
        } catch {
            _ = error.description
        }
    }

    /// Payload: the advertised bytes, given to every broadcast codec as the service data and manufacturer data its
    /// model uses. A weighing that decodes has a non-negative weight, is the reading's only component, and its
    /// re-encoding (when the codec can write it) decodes to the same weighing.
    static func checkBroadcast(_ payload: [UInt8]) {
        let data = AdvertisedData(
            serviceData: [GATTService.weightScale.uuid: payload, GATTService.bodyComposition.uuid: payload],
            manufacturerData: [0x45C0: payload])
        for codec in BroadcastCodecs.all {
            guard let weighings = try? codec.weighings(in: data) else { continue }
            for weighing in weighings {
                guard weighing.weight.mantissa >= 0 else { violated("\(codec.name) decoded a negative weight") }
                let reading = weighing.reading(source: codec.readingSource)
                guard reading.components.map(\.vital) == [.bodyWeight] else { violated("\(codec.name) reading is not a weight") }
                guard let again = try? codec.advertisement(for: weighing) else { continue }
                guard let decoded = try? codec.weighings(in: again).first, decoded.weight == weighing.weight,
                      decoded.unit == weighing.unit, decoded.stabilised == weighing.stabilised, decoded.timestamp == weighing.timestamp
                else { violated("\(codec.name) re-encoding decodes differently") }
            }
        }
    }

    private static func chunks(_ payload: [UInt8]) -> [(kind: UInt8, bytes: [UInt8])] {
        var result: [(kind: UInt8, bytes: [UInt8])] = []
        var index = payload.startIndex
        while index + 1 < payload.endIndex {
            let kind = payload[index]
            let length = Int(payload[index + 1])
            let start = index + 2
            let end = min(start + length, payload.endIndex)
            result.append((kind, Array(payload[start..<end])))
            index = end
        }
        return result
    }
}
