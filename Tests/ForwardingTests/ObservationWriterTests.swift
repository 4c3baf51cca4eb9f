@testable import Forwarding
import Foundation
import HealthProfiles
import ReadingStore
import Testing

/// The forwarder writes a reading's entries directly as bytes (`serializedEntries`); the tree mapping
/// (`entries(for:sensor:interpretations:)`, serialised by `JSON.serialized()`) is the oracle they must equal byte
/// for byte, over every profile and case the gateway maps.
@Suite struct ObservationWriterTests {
    let mapper = try! Harness.mapper()

    /// Texts that need escaping or are not ASCII: quotes, backslash, control characters, Norwegian, an emoji.
    static let oddText = "a \"quoted\" \\ value\n\tline\r\u{01}\u{1F} æøå 🩸 µmol/L"

    /// ConformanceTests' corpus (every device kind and measurement-status case) plus what it leaves out: settled
    /// continuous SpO2, odd qualifier texts, a kPa cuff converted with a note, every status at once.
    static func corpus() -> [Reading] {
        let spo2 = [ReadingComponent(.oxygenSaturation, Samples.value("96"), .percent),
                    ReadingComponent(.pulseRate, Samples.value("61"), .perMinute)]
        return ConformanceTests.readings() + [
            Reading(kind: .continuousOximetry, characteristic: 0x2A5F, components: spo2,
                    qualifiers: [ReadingQualifier.settledWindowMilliseconds: "29500", ReadingQualifier.settledSamples: "30"]),
            Reading(kind: .spotCheckOximetry, characteristic: 0x2A5E, components: spo2,
                    flags: [.dataForTesting, .measurementOngoing, .lowPerfusionDetected]),
            Reading(kind: .bodyTemperature, characteristic: 0x2A1C,
                    components: [ReadingComponent(.bodyTemperature, Samples.value("36.70"), .celsius)],
                    qualifiers: ["temperature-site": oddText, oddText: oddText]),
            Reading(kind: .glucose, characteristic: 0x2A18, deviceTime: Samples.time(30),
                    components: [ReadingComponent(.glucose, Samples.value("5.4"), .millimolePerLitre)],
                    flags: [.sampleSizeInsufficient],
                    qualifiers: ["meal": "preprandial", "tester": "self", "health": "minor-health-issues", "free": oddText]),
            Samples.bloodPressure(systolic: "250", diastolic: "140", minute: 44, flags: ReadingFlag.allCases),
        ]
    }

    /// Triage's zones on every Observation and every panel component of a reading, with odd texts.
    func interpretations(for stored: StoredReading) -> [ObservationTarget: FHIRCodeableConcept] {
        var result: [ObservationTarget: FHIRCodeableConcept] = [:]
        for (index, target) in FHIRMapper.annotationTargets(for: stored).enumerated() {
            let code = ["N", "H", "HH", "L", "LL"][index % 5]
            result[target] = FHIRCodeableConcept(
                coding: [FHIRCoding(CodeSystem.observationInterpretation, code, index.isMultiple(of: 2) ? code : nil)],
                text: index.isMultiple(of: 3) ? Self.oddText : nil)
        }
        return result
    }

    /// A sensor the store knows nothing about, one with only its key, one with every Device field (odd texts too).
    static func sensors() async throws -> [SensorRecord?] {
        let directory = TemporaryDirectory()
        let store = try ReadingStore.open(StoreConfiguration(path: directory.file("gateway.sqlite")))
        try await store.upsertSensor(SensorUpdate(key: Samples.oximeter, seenAt: Samples.t0))
        try await store.upsertSensor(SensorUpdate(
            key: Samples.cuff, address: "00:1C:05:FF:E8:74", manufacturer: "A&D \"Medical\"", model: oddText,
            serial: "5170900123", firmware: "1.2", hardware: "rev\tB", software: "2.0", systemID: "001C05FFFEE87400",
            profile: "blood-pressure", batteryLevel: 80, seenAt: Samples.t0))
        return [nil, try await store.sensor(Samples.oximeter), try await store.sensor(Samples.cuff)]
    }

    @Test func writtenBytesEqualTheTreeSerialisationForEveryReading() async throws {
        let sensors = try await Self.sensors()
        #expect(sensors.compactMap { $0 }.count == 2)
        var compared = 0
        for (index, reading) in Self.corpus().enumerated() {
            let stored = Samples.stored(reading, sensor: index.isMultiple(of: 2) ? Samples.cuff : Samples.oximeter,
                                        measuredAt: Samples.t0.addingTimeInterval(Double(index) * 60.5))
            for annotated in [false, true] {
                let interpretations = annotated ? interpretations(for: stored) : [:]
                let sensor = sensors[index % sensors.count]
                let device = mapper.sensorDevice(stored.sensor, record: sensor, kind: reading.kind)
                let tree = mapper.entries(for: stored, sensor: sensor, interpretations: interpretations)
                let bytes = mapper.serializedEntries(for: stored, sensorDevice: device, interpretations: interpretations)
                #expect(bytes.map(\.fullUrl) == tree.map(\.fullUrl))
                for (written, oracle) in zip(bytes, tree) {
                    let expected = oracle.json.serialized()
                    #expect(written.bytes == expected, """
                        reading \(index) annotated \(annotated):
                        written \(String(decoding: written.bytes, as: UTF8.self))
                        oracle  \(String(decoding: expected, as: UTF8.self))
                        """)
                    compared += 1
                }
            }
        }
        #expect(compared > 100)
    }

    @Test func theWriterEscapesAsTheTreeDoes() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("a", Self.oddText)
        writer.key("b")
        writer.beginArray()
        writer.number("36.70")
        writer.value(["z": "1", "y": [.null, true]])
        writer.beginObject()
        writer.endObject()
        writer.endArray()
        writer.endObject()
        let tree: JSON = ["a": .string(Self.oddText), "b": [.number("36.70"), ["z": "1", "y": [.null, true]], [:]]]
        #expect(writer.take() == tree.serialized())
    }

    /// A Bundle of many items (shared Devices sent once, a queued Flag among the readings) is the tree Bundle
    /// the forwarder built before, byte for byte, and remembers the same entry positions per item.
    @Test func theBundleJoinsTheEntriesAsTheTreeBundleDid() throws {
        let readings = Self.corpus()
        var items: [(id: Int64, entries: [SerializedEntry])] = []
        var trees: [(id: Int64, entries: [BundleEntry])] = []
        for (index, reading) in readings.enumerated() {
            let stored = Samples.stored(reading, sensor: index.isMultiple(of: 3) ? Samples.cuff : Samples.oximeter,
                                        measuredAt: Samples.t0.addingTimeInterval(Double(index)))
            let device = mapper.sensorDevice(stored.sensor, record: nil, kind: reading.kind)
            let id = Int64(index + 1)
            items.append((id, mapper.serializedEntries(for: stored, sensorDevice: device, interpretations: [:])))
            trees.append((id, mapper.entries(for: stored, sensorDevice: device, interpretations: [:])))
        }
        let flag = try BundleEntry(queued: JSON.parse(Array(#"""
            {"fullUrl":"urn:uuid:f1","request":{"method":"PUT","url":"Flag?identifier=urn:x|1"},
             "resource":{"resourceType":"Flag","code":{"text":"\u00e6 \"odd\""}}}
            """#.utf8)))
        items.insert((999, [SerializedEntry(mapper.gatewayDevice()), SerializedEntry(flag)]), at: 2)
        trees.insert((999, [mapper.gatewayDevice(), flag]), at: 2)

        // The tree Bundle as the forwarder built it before: an entry is shared only with the first one of its fullUrl.
        var entries: [JSON] = []
        var positions: [String: Int] = [:]
        var expectedIndices: [Int64: [Int]] = [:]
        for (id, list) in trees {
            expectedIndices[id] = list.map { entry in
                if let existing = positions[entry.fullUrl], entries[existing] == entry.json { return existing }
                if positions[entry.fullUrl] == nil { positions[entry.fullUrl] = entries.count }
                entries.append(entry.json)
                return entries.count - 1
            }
        }
        let tree: JSON = ["resourceType": "Bundle", "type": "transaction", "entry": .array(entries)]
        let bundle = TransactionBundle(entriesByItem: items)
        #expect(bundle.body == tree.serialized())
        #expect(bundle.entryCount == entries.count)
        #expect(bundle.entryIndices == expectedIndices)
    }
}
