import Foundation
import HealthProfiles
import Testing
@testable import DeviceProfiles

/// Profiles of devices that only broadcast (`transport: broadcast`, `codec`, `settle_seconds`).
@Suite struct BroadcastProfileTests {
    static let scale = """
        id: my-scale
        name: A broadcast scale
        models: ["MI SCALE2"]
        service: "181D"
        transport: broadcast
        codec: xiaomi-mi-scale-2
        bonding_required: false

        """

    static func problems(_ yaml: String) -> [DeviceProfileError] {
        do {
            _ = try DeviceProfileParser.parse(yaml: yaml, file: "inline.yaml")
            return []
        } catch {
            return error.errors
        }
    }

    @Test func theShippedBroadcastProfilesNameTheirCodecs() throws {
        let catalog = try DeviceProfileCatalog.load(directory: repositoryProfiles)
        let codecs = ["xiaomi-mi-scale-2": "xiaomi-mi-scale-2", "xiaomi-mi-body-composition-scale-2": "xiaomi-mi-body-composition-scale-2",
                      "okok-scale": "okok-c0"]
        for (id, codec) in codecs {
            let profile = try #require(catalog.profile(id: id))
            #expect(profile.broadcast?.codec == codec && !profile.bondingRequired && profile.characteristics.isEmpty)
        }
        #expect(catalog.profile(id: "okok-scale")?.broadcast?.settleSeconds == 60)
        // Omron cuffs are GATT devices whose advertisements say whether they hold records.
        #expect(catalog.profile(id: "omron-blood-pressure")?.advertisedState == .omron)
        #expect(catalog.profile(id: "omron-blood-pressure")?.broadcast == nil)
        // GATT profiles are not broadcast ones; a Mi scale's name picks its broadcast profile first.
        #expect(catalog.profile(id: "weight-scale")?.broadcast == nil)
        #expect(catalog.profiles(forServiceUUIDs: [GATTService.weightScale.uuid], name: "MI SCALE2").first?.id == "xiaomi-mi-scale-2")
    }

    @Test func aBroadcastProfileNeedsNoCharacteristics() throws {
        let profile = try DeviceProfileParser.parse(yaml: Self.scale, file: "inline.yaml")
        #expect(profile.broadcast == BroadcastReception(codec: "xiaomi-mi-scale-2", settleSeconds: 60))
    }

    @Test func broadcastMistakesAreNamed() {
        #expect(Self.problems(Self.scale.replacingOccurrences(of: "codec: xiaomi-mi-scale-2", with: "codec: mi")).map(\.keyPath) == ["codec"])
        #expect(Self.problems(Self.scale.replacingOccurrences(of: "codec: xiaomi-mi-scale-2\n", with: "")).map(\.keyPath) == ["codec"])
        #expect(Self.problems(Self.scale.replacingOccurrences(of: "transport: broadcast", with: "transport: radio")).map(\.keyPath)
            .contains("transport"))
        #expect(Self.problems(Self.scale.replacingOccurrences(of: "bonding_required: false", with: "bonding_required: true"))
            .map(\.keyPath) == ["bonding_required"])
        #expect(Self.problems(Self.scale + "settle_seconds: 2\n").map(\.keyPath) == ["settle_seconds"])
        #expect(Self.problems(Self.scale.replacingOccurrences(of: "models: [\"MI SCALE2\"]\n", with: "")).map(\.keyPath) == ["models"])
        #expect(Self.problems(Self.scale + "characteristics:\n  - {uuid: \"2A9D\", mode: indicate, required: true}\n")
            .map(\.keyPath) == ["characteristics"])
        #expect(Self.problems(Self.scale + "advertisement: omron\n").map(\.keyPath) == ["advertisement"])
        #expect(Self.problems(BrokenProfilesTests.valid + "\nadvertisement: philips\n").map(\.keyPath) == ["advertisement"])
        // A codec on a GATT profile is a mistake, not ignored.
        let gatt = BrokenProfilesTests.valid + "\ncodec: okok-c0\n"
        #expect(Self.problems(gatt).map(\.keyPath) == ["codec"])
    }
}
