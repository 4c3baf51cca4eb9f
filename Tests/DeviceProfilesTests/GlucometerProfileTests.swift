import Foundation
import HealthProfiles
import Testing
@testable import DeviceProfiles

/// The glucometer model profiles (Accu-Chek Guide, Contour Next One) and the clock settings they need:
/// `time_sync.write: false` (a read-only clock) and `time_sync.format: ascensia-clock`.
@Suite struct GlucometerProfileTests {
    static let valid = BrokenProfilesTests.valid

    static func problems(_ timeSync: String) throws -> [DeviceProfileError] {
        do {
            _ = try DeviceProfileParser.parse(yaml: Self.valid + "\ntime_sync:\n" + timeSync, file: "inline.yaml")
            return []
        } catch {
            return error.errors
        }
    }

    @Test func theShippedGlucometerProfilesMatchTheirMeters() throws {
        let catalog = try DeviceProfileCatalog.load(directory: repositoryProfiles)
        let meter = [BluetoothUUID(short: 0x1808)]
        #expect(catalog.profiles(forServiceUUIDs: meter, name: "meter+34026466").map(\.id) == ["accu-chek-guide", "glucose"])
        #expect(catalog.profiles(forServiceUUIDs: meter, name: "Contour7830H5432109").map(\.id) == ["contour-next-one", "glucose"])
        #expect(catalog.profiles(forServiceUUIDs: meter, name: "CONTOUR NEXT ONE").first?.id == "contour-next-one")
        #expect(catalog.profiles(forServiceUUIDs: meter, name: "OneTouch").map(\.id) == ["glucose"])

        let guide = try #require(catalog.profile(id: "accu-chek-guide"))
        #expect(guide.timeSync == TimeSync(service: .glucose, characteristic: .dateTime, required: false, write: false))
        #expect(guide.racp && guide.bondingRequired)
        let contour = try #require(catalog.profile(id: "contour-next-one"))
        #expect(contour.timeSync == TimeSync(service: .currentTime, characteristic: .currentTime, required: false,
                                             when: .afterSubscribing, write: true, format: .ascensiaClock))
        #expect(contour.racp && contour.bondingRequired)
    }

    @Test func theClockDefaultsToWrittenTheSIGWay() throws {
        let profile = try DeviceProfileParser.parse(
            yaml: Self.valid + "\ntime_sync: {service: \"1805\", characteristic: \"2A2B\"}\n", file: "inline.yaml")
        #expect(profile.timeSync?.write == true && profile.timeSync?.format == .sig)
        let readOnly = try DeviceProfileParser.parse(
            yaml: Self.valid + "\ntime_sync: {service: \"1810\", characteristic: \"2A08\", write: false}\n", file: "inline.yaml")
        #expect(readOnly.timeSync?.write == false)
    }

    @Test func badClockSettingsAreNamed() throws {
        let unknown = try Self.problems("  service: \"1805\"\n  characteristic: \"2A2B\"\n  format: roche\n")
        #expect(unknown.map(\.keyPath) == ["time_sync.format"])
        #expect(unknown.first?.problem == .invalidValue("'roche' is not a clock format (sig, ascensia-clock)"))

        let neverWrittenFirst = try Self.problems("  service: \"1810\"\n  characteristic: \"2A08\"\n  write: false\n  when: before-subscribing\n")
        #expect(neverWrittenFirst.map(\.keyPath) == ["time_sync.when"])
        #expect(neverWrittenFirst.first?.problem == .invalidValue("a clock that is never written (write: false) has no clock step; leave 'when' out"))

        let neverWrittenAscensia = try Self.problems("  service: \"1805\"\n  characteristic: \"2A2B\"\n  write: false\n  format: ascensia-clock\n")
        #expect(neverWrittenAscensia.map(\.keyPath) == ["time_sync.format"])

        let ascensiaFirst = try Self.problems("  service: \"1805\"\n  characteristic: \"2A2B\"\n  format: ascensia-clock\n  when: before-subscribing\n")
        #expect(ascensiaFirst.map(\.keyPath) == ["time_sync.when"])
        #expect(ascensiaFirst.first?.problem == .invalidValue(
            "Ascensia's clock is written after subscribing (its notifications first), before the records are asked for"))

        let notABool = try Self.problems("  service: \"1805\"\n  characteristic: \"2A2B\"\n  write: sometimes\n")
        #expect(notABool.map(\.keyPath) == ["time_sync.write"])
    }
}
