import Foundation
import HealthProfiles
@testable import ReadingStore
import Testing

/// The claim reads stored readings with `StoredReadingJSON` instead of `JSONDecoder` (a third of a backlog drain's
/// CPU). `JSONDecoder` is the oracle here: on the bytes ingest writes, both must give the same reading.
@Suite struct StoredReadingJSONTests {
    static func decimal(_ mantissa: Int64, _ exponent: Int) -> MeasuredValue {
        .number(DecimalNumber(mantissa: mantissa, exponent: exponent))
    }

    /// Every kind of value a stored reading holds: each `MeasuredValue` case, extreme integers, a clock with and
    /// without its date, flags, optional fields absent and present, qualifiers that need escaping.
    static let readings: [Reading] = {
        var unsortedFlags = Reading(
            kind: .bloodPressure, characteristic: 0x2A35,
            components: [ReadingComponent(.systolicPressure, decimal(120, 0), .millimetreOfMercury)])
        unsortedFlags.flags = [.irregularPulse, .bodyMovement]
        return [
            Reading(
                kind: .bloodPressure, characteristic: 0x2A35,
                deviceTime: try? DeviceDateTime(year: 2025, month: 4, day: 17, hours: 20, minutes: 41, seconds: 59),
                components: [
                    ReadingComponent(.systolicPressure, decimal(120, 0), .millimetreOfMercury),
                    ReadingComponent(.diastolicPressure, decimal(-805, -1), .millimetreOfMercury),
                    ReadingComponent(.meanArterialPressure, .absent(.notANumber), .millimetreOfMercury),
                    ReadingComponent(.pulseRate, .absent(.unsuccessful), .perMinute),
                ],
                flags: [.bodyMovement, .irregularPulse], userID: 255),
            Reading(
                kind: .glucose, characteristic: 0x2A18,
                deviceTime: try? DeviceDateTime(year: nil, month: nil, day: nil, hours: 0, minutes: 0, seconds: 0),
                components: [
                    ReadingComponent(.glucose, .beyondRange(.below), .milligramPerDecilitre),
                    ReadingComponent(.glucose, .beyondRange(.above), .millimolePerLitre),
                    ReadingComponent(.glucose, .absent(.positiveInfinity), .milligramPerDecilitre),
                    ReadingComponent(.glucose, .absent(.negativeInfinity), .milligramPerDecilitre),
                    ReadingComponent(.glucose, .absent(.error), .milligramPerDecilitre),
                ],
                sequenceNumber: 65535,
                qualifiers: [
                    ReadingQualifier.glucoseSampleType: "capillary-whole-blood", "slash": "kg/L", "quote": "a\"b\\c",
                    "control": "tab\there\nline\u{01}", "unicode": "température 🌡", "": "",
                ]),
            Reading(
                kind: .bodyTemperature, characteristic: 0x2A1C,
                components: [
                    ReadingComponent(.bodyTemperature, decimal(Int64.max, -18), .celsius),
                    ReadingComponent(.bodyTemperature, decimal(Int64.min, 3), .celsius),
                    ReadingComponent(.bodyTemperature, decimal(0, 0), .celsius),
                ]),
            Reading(kind: .spotCheckOximetry, characteristic: 0x2A5E, components: [], sequenceNumber: 0, userID: 0),
            unsortedFlags,
        ]
    }()

    static func encoded(_ reading: Reading, sortedKeys: Bool) throws -> Data {
        let encoder = JSONEncoder()
        if sortedKeys { encoder.outputFormatting = [.sortedKeys] }
        return try encoder.encode(reading)
    }

    static func handDecoded(_ json: Data) throws -> Reading {
        try json.withUnsafeBytes { bytes throws(StoredReadingJSON.Unexpected) in try StoredReadingJSON.reading(bytes) }
    }

    @Test(arguments: readings, [true, false])
    func readsWhatIngestWroteAsJSONDecoderDoes(reading: Reading, sortedKeys: Bool) throws {
        let json = try Self.encoded(reading, sortedKeys: sortedKeys)
        let expected = try JSONDecoder().decode(Reading.self, from: json)
        #expect(try Self.handDecoded(json) == expected)
        #expect(try StoredReading.reading(json) == expected)
    }

    /// A shape it does not know is refused, never guessed; the store then decodes the row with `JSONDecoder`.
    @Test func refusesWhatItDoesNotKnowAndTheStoreFallsBack() throws {
        let json = try Self.encoded(Self.readings[0], sortedKeys: true)
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        object["addedLater"] = 1
        let extended = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: StoredReadingJSON.Unexpected.self) { try Self.handDecoded(extended) }
        #expect(try StoredReading.reading(extended) == Self.readings[0])

        for broken in ["", "{", "{\"kind\":\"blood-pressure\"}", "[]", "{\"kind\":\"no-such-kind\",\"characteristic\":1,\"components\":[],\"flags\":[],\"qualifiers\":{}}"] {
            #expect(throws: StoredReadingJSON.Unexpected.self) { try Self.handDecoded(Data(broken.utf8)) }
        }
        let tooBig = "{\"kind\":\"glucose\",\"characteristic\":65536,\"components\":[],\"flags\":[],\"qualifiers\":{}}"
        #expect(throws: StoredReadingJSON.Unexpected.self) { try Self.handDecoded(Data(tooBig.utf8)) }
    }

    /// Ingest writes the column with `StoredReadingJSONWriter`, not `JSONEncoder`: the same bytes as
    /// `JSONEncoder` with sorted keys (what older rows hold), and both readers read it back as the reading.
    @Test(arguments: readings)
    func ingestsWriterWritesWhatJSONEncoderWroteAndBothReadersReadIt(reading: Reading) throws {
        let written = Data(StoredReadingJSONWriter.bytes(reading))
        #expect(written == (try Self.encoded(reading, sortedKeys: true)))
        #expect(try JSONDecoder().decode(Reading.self, from: written) == reading)
        #expect(try Self.handDecoded(written) == reading)
    }
}
