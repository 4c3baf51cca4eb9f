import Foundation
import HealthProfiles
import Testing
@testable import DeviceProfiles

/// Model profiles (`models`) and the per-model clock step (`time_sync.when`).
@Suite struct ModelProfileTests {
    static let valid = BrokenProfilesTests.valid
    static let dateTimeFirst = "\ntime_sync:\n  service: \"1810\"\n  characteristic: \"2A08\"\n  when: before-subscribing\n"

    static func problems(_ files: [String: String]) throws -> [DeviceProfileError] {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text) in files { try write(text, to: directory, as: name) }
        do {
            _ = try DeviceProfileCatalog.load(directory: directory)
            return []
        } catch {
            return error.errors
        }
    }

    @Test func theShippedAandDProfilesSetDateTimeBeforeSubscribing() throws {
        let catalog = try DeviceProfileCatalog.load(directory: repositoryProfiles)
        for (id, service) in [("and-ua-651ble", GATTService.bloodPressure), ("and-uc-352ble", .weightScale)] {
            let profile = try #require(catalog.profile(id: id))
            #expect(profile.timeSync == TimeSync(service: service, characteristic: .dateTime, required: false, when: .beforeSubscribing))
            #expect(!profile.models.isEmpty)
        }
        // The general profiles keep Current Time after subscribing.
        #expect(catalog.profile(for: .bloodPressure)?.id == "blood-pressure")
        #expect(catalog.profile(id: "blood-pressure")?.timeSync?.when == .afterSubscribing)
    }

    /// The Nonin 3230 is served through the SIG Pulse Oximeter Service, continuous data only, no clock, no bond.
    @Test func theNonin3230ProfileStreamsContinuousDataOnly() throws {
        let catalog = try DeviceProfileCatalog.load(directory: repositoryProfiles)
        let profile = try #require(catalog.profile(id: "nonin-3230"))
        #expect(profile.service == .pulseOximeter)
        #expect(profile.use(of: .plxContinuousMeasurement)?.required == true)
        #expect(profile.use(of: .plxSpotCheckMeasurement)?.required == false)
        #expect(profile.timeSync == nil && !profile.bondingRequired && !profile.multiUser)
        #expect(profile.continuousSettling == .standard)
        let oximeter = [BluetoothUUID(short: 0x1822)]
        #expect(catalog.profiles(forServiceUUIDs: oximeter, name: "Nonin3230_502345678").map(\.id) == ["nonin-3230", "pulse-oximeter"])
        // The simulator's spot-check oximeters advertise a bare "Nonin3230": the general profile.
        #expect(catalog.profiles(forServiceUUIDs: oximeter, name: "Nonin3230").map(\.id) == ["pulse-oximeter"])
    }

    /// The shipped family scale (Beurer BF 600 / BF 850): several users, each behind a consent code.
    @Test func theBeurerFamilyScaleIsMultiUserWithConsent() throws {
        let catalog = try DeviceProfileCatalog.load(directory: repositoryProfiles)
        let profile = try #require(catalog.profile(id: "beurer-bf600"))
        #expect(profile.multiUser && profile.userConsent && profile.bondingRequired)
        #expect(profile.service == .weightScale)
        let scale = [BluetoothUUID(short: 0x181D)]
        #expect(catalog.profiles(forServiceUUIDs: scale, name: "BF600").map(\.id) == ["beurer-bf600", "weight-scale"])
        #expect(catalog.profiles(forServiceUUIDs: scale, name: "BF850").first?.id == "beurer-bf600")
        #expect(catalog.profiles(forServiceUUIDs: scale, name: "BF720").map(\.id) == ["weight-scale"])
        // No shipped profile but this one asks for a consent code.
        #expect(catalog.profiles.filter(\.userConsent).map(\.id) == ["beurer-bf600"])
    }

    @Test func userConsentIsOnlyForAMultiUserDevice() throws {
        let single = try Self.problems(["a.yaml": Self.valid + "\nuser_consent: true\n"])
        #expect(single.map(\.keyPath) == ["user_consent"])
        #expect(single.first?.problem == .invalidValue("only for a multi_user device (set multi_user: true)"))
        let family = try DeviceProfileParser.parse(yaml: Self.valid + "\nmulti_user: true\nuser_consent: true\n", file: "inline.yaml")
        #expect(family.userConsent && family.multiUser)
        #expect(try DeviceProfileParser.parse(yaml: Self.valid, file: "inline.yaml").userConsent == false)
    }

    /// A device advertising a model's name gets its model profile first; others (and unnamed ones) the general one.
    @Test func aModelProfileMatchesOnlyItsModels() throws {
        let catalog = try DeviceProfileCatalog.load(directory: repositoryProfiles)
        let cuff = [BluetoothUUID(short: 0x1810)]
        #expect(catalog.profiles(forServiceUUIDs: cuff, name: "A&D_UA-651BLE_5A1B2C").map(\.id) == ["and-ua-651ble", "blood-pressure"])
        #expect(catalog.profiles(forServiceUUIDs: cuff, name: "a&d_ua-651ble").first?.id == "and-ua-651ble")
        #expect(catalog.profiles(forServiceUUIDs: cuff, name: "UA-767PBT").map(\.id) == ["blood-pressure"])
        #expect(catalog.profiles(forServiceUUIDs: cuff).map(\.id) == ["blood-pressure"])
        // A model profile never applies to another service's device.
        #expect(catalog.profiles(forServiceUUIDs: [BluetoothUUID(short: 0x1809)], name: "A&D_UA-651BLE").map(\.id) == ["thermometer"])
    }

    @Test func theClockStepIsParsedAndMistakesAreNamed() throws {
        let profile = try DeviceProfileParser.parse(yaml: Self.valid + Self.dateTimeFirst, file: "inline.yaml")
        #expect(profile.timeSync?.when == .beforeSubscribing)
        let defaulted = try DeviceProfileParser.parse(
            yaml: Self.valid + "\ntime_sync: {service: \"1805\", characteristic: \"2A2B\"}\n", file: "inline.yaml")
        #expect(defaulted.timeSync?.when == .afterSubscribing)

        let wrong = try Self.problems(["a.yaml": Self.valid + Self.dateTimeFirst.replacingOccurrences(of: "before-subscribing", with: "first")])
        #expect(wrong.map(\.keyPath) == ["time_sync.when"])
        #expect(wrong.first?.line == 17)
        #expect(wrong.first?.problem == .invalidValue("'first' is not a clock step (before-subscribing, after-subscribing)"))
        let misspelt = try Self.problems(["a.yaml": Self.valid + "\ntime_sync: {service: \"1805\", characteristic: \"2A2B\", whenn: x}\n"])
        #expect(misspelt.map(\.keyPath) == ["time_sync.whenn"])
    }

    @Test func modelMistakesAreNamed() throws {
        let general = Self.valid
        func model(_ id: String, _ models: String) -> String {
            general.replacingOccurrences(of: "id: test-bp", with: "id: \(id)\nmodels: \(models)")
        }
        #expect(try Self.problems(["a.yaml": general, "b.yaml": model("test-bp-model", "[\"A&D_UA-651BLE\"]")]).isEmpty)
        let empty = try Self.problems(["b.yaml": model("m", "[]")])
        #expect(empty.map(\.keyPath) == ["models"])
        let bad = try Self.problems(["b.yaml": model("m", "[\"\", \"X\", \"x\", \"\(String(repeating: "y", count: 65))\", \"a\\u0007b\"]")])
        #expect(bad.map(\.keyPath) == ["models[0]", "models[2]", "models[3]", "models[4]"])
        #expect(bad.first?.line == 2)
        let wrongType = try Self.problems(["b.yaml": model("m", "A&D")])
        #expect(wrongType.map(\.keyPath) == ["models"])
        // Two model profiles claiming one model: the second file is named, with the first.
        let twice = try Self.problems(["b.yaml": model("m1", "[\"UA-651\"]"), "c.yaml": model("m2", "[\"ua-651\"]")])
        #expect(twice.map(\.keyPath) == ["models"])
        #expect(twice.first?.file.hasSuffix("c.yaml") == true)
        #expect(twice.first.map { "\($0)" }?.contains("model 'ua-651' already has its profile in") == true)
    }
}
