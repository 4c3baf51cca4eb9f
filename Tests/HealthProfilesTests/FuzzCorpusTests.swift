import Foundation
import Testing
@testable import HealthProfiles

/// The codecs fuzz seed corpus (Tests/Fuzz/corpus/codecs, written by Tests/Fuzz/make-corpus.py) must stay valid: a seed
/// that no longer decodes would silently stop steering the fuzzer into the decoders' success paths.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus/codecs")

    @Test func everySeedDecodes() throws {
        // regression-* files are inputs that once crashed a decoder: they need not decode, only not trap
        // (the fuzz replay test runs them).
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted()
            .filter { !$0.hasPrefix("regression-") }
        #expect(names.count >= 30)
        var characteristicsSeen: Set<GATTCharacteristic> = []
        for name in names {
            let data = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent(name)))
            try #require(data.count >= 2, "\(name) has no selector")
            let selector = UInt16(data[0]) | UInt16(data[1]) << 8
            let payload = Array(data.dropFirst(2))
            if let characteristic = GATTCharacteristic(rawValue: selector) {
                characteristicsSeen.insert(characteristic)
                #expect(throws: Never.self, "\(name)") { _ = try CharacteristicDecoder.decode(characteristic, payload) }
            } else if selector == 0xFF52 {
                #expect(throws: Never.self, "\(name)") { _ = try RACPRequest.decode(payload) }
            } else if selector == 0xFFBC {
                // A broadcast advertisement: some codec reads a weighing from it.
                let data = AdvertisedData(serviceData: [GATTService.weightScale.uuid: payload, GATTService.bodyComposition.uuid: payload],
                                          manufacturerData: [0x45C0: payload])
                #expect(BroadcastCodecs.all.contains { !((try? $0.weighings(in: data)) ?? []).isEmpty }, "\(name)")
            } else {
                #expect([0xFF9C, 0xFF18, 0xFFAA].contains(selector), "\(name): unknown selector")
            }
        }
        // Every measurement characteristic has at least one seed.
        let measurements: Set<GATTCharacteristic> = [
            .bloodPressureMeasurement, .intermediateCuffPressure, .enhancedBloodPressureMeasurement,
            .plxSpotCheckMeasurement, .plxContinuousMeasurement, .glucoseMeasurement, .glucoseMeasurementContext,
            .weightMeasurement, .bodyCompositionMeasurement, .temperatureMeasurement, .intermediateTemperature,
        ]
        #expect(measurements.isSubset(of: characteristicsSeen))
    }
}
