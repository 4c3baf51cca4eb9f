import Foundation
import HealthProfiles
import Testing
@testable import DeviceProfiles

/// The repository's own profiles directory, found from this file's location.
let repositoryProfiles: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("profiles/devices").path
}()

/// A fresh directory per test (tests run in parallel), removed afterwards by the caller's `defer`.
func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("dho-profiles-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func write(_ text: String, to directory: String, as name: String) throws {
    try text.write(toFile: (directory as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
}

@Suite struct RealProfilesTests {
    @Test func theRepositoryProfilesLoadAndValidate() throws {
        let catalog = try DeviceProfileCatalog.load(directory: repositoryProfiles)
        #expect(Set(catalog.profiles.map(\.id)) == [
            "blood-pressure", "body-composition", "glucose", "pulse-oximeter", "thermometer", "weight-scale",
            "and-ua-651ble", "and-uc-352ble", "xiaomi-mi-scale-2", "xiaomi-mi-body-composition-scale-2", "okok-scale",
            "omron-blood-pressure",
            "nonin-3230", "beurer-bf600", "accu-chek-guide", "contour-next-one",
        ])
        #expect(Set(catalog.profiles.map(\.service)) == [
            .bloodPressure, .bodyComposition, .glucose, .pulseOximeter, .healthThermometer, .weightScale,
        ])
    }

    @Test func bloodPressureProfile() throws {
        let bp = try #require(try DeviceProfileCatalog.load(directory: repositoryProfiles).profile(for: .bloodPressure))
        #expect(bp.bondingRequired)
        #expect(!bp.racp)
        #expect(bp.use(of: .bloodPressureMeasurement) == CharacteristicUse(.bloodPressureMeasurement, .indicate, required: true))
        #expect(bp.use(of: .intermediateCuffPressure)?.required == false)
        #expect(bp.timeSync == TimeSync(service: .currentTime, characteristic: .currentTime, required: false))
        #expect(bp.deviceInformation.contains(.serialNumberString))
        #expect(bp.subscriptions.map(\.characteristic) == [.bloodPressureMeasurement, .intermediateCuffPressure])
        #expect(bp.sourceFile.hasSuffix("blood-pressure.yaml"))
    }

    /// Each profile's rate limit fits what the device can do: spot-check devices a few readings a minute, a
    /// glucometer's RACP replay of its whole memory at once.
    @Test func rateLimitsFitTheDevices() throws {
        let catalog = try DeviceProfileCatalog.load(directory: repositoryProfiles)
        for profile in catalog.profiles {
            #expect(profile.rateLimit.readingsPerMinute <= 6, "\(profile.id)")
            #expect(profile.rateLimit.burst >= 30, "\(profile.id)")
        }
        #expect(catalog.profile(id: "glucose")?.rateLimit.burst == 2000)
    }

    @Test func glucoseUsesRACP() throws {
        let catalog = try DeviceProfileCatalog.load(directory: repositoryProfiles)
        let glucose = try #require(catalog.profile(id: "glucose"))
        #expect(glucose.racp)
        #expect(glucose.bondingRequired)
        #expect(glucose.use(of: .recordAccessControlPoint)?.mode == .controlPoint)
        #expect(catalog.profiles(forServiceUUIDs: [BluetoothUUID(short: 0x1808), BluetoothUUID(short: 0x180A)]).map(\.id) == ["glucose"])
        // A body-composition scale usually exposes both scale services: both profiles apply.
        #expect(Set(catalog.profiles(forServiceUUIDs: [BluetoothUUID(short: 0x181D), BluetoothUUID(short: 0x181B)]).map(\.id))
            == ["weight-scale", "body-composition"])
    }

    /// Every characteristic the profiles subscribe to or read has a decoder (a profile never names a value
    /// the gateway would then fail to understand).
    @Test func everyListedCharacteristicIsDecodable() throws {
        for profile in try DeviceProfileCatalog.load(directory: repositoryProfiles).profiles {
            for use in profile.characteristics {
                do {
                    _ = try CharacteristicDecoder.decode(uuid: use.characteristic.uuid, [])
                } catch {
                    if case .unsupportedCharacteristic = error {
                        Issue.record("\(profile.id): \(use.characteristic.displayName) has no decoder")
                    }
                }
            }
        }
    }
}

@Suite struct BrokenProfilesTests {
    static let valid = """
        id: test-bp
        name: Test cuff
        service: "1810"
        bonding_required: true
        characteristics:
          - uuid: "2A35"
            mode: indicate
            required: true
          - uuid: blood-pressure-feature
            mode: read
            required: true
        racp: false
        device_information: ["2A29"]
        """

    /// Parses `yaml` as the only file of a fresh directory and returns the problems found.
    func problems(_ yaml: String) throws -> [DeviceProfileError] {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write(yaml, to: directory, as: "broken.yaml")
        do {
            _ = try DeviceProfileCatalog.load(directory: directory)
            return []
        } catch {
            #expect(error.errors.allSatisfy { $0.file.hasSuffix("broken.yaml") })
            return error.errors
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anchorsAndAliasesAreRefused() {
        let aliased = Self.valid + "\nextra: &x [1, 2]\nmore: *x\n"
        #expect { try DeviceProfileParser.parse(yaml: aliased, file: "inline.yaml") } throws: { error in
            "\(error)".contains("anchors and aliases (&name, *name) are not supported")
        }
    }

    @Test func validFileLoadsWithNamesForUUIDs() throws {
        #expect(try problems(Self.valid).isEmpty)
        let profile = try DeviceProfileParser.parse(yaml: Self.valid, file: "inline.yaml")
        #expect(profile.use(of: .bloodPressureFeature)?.mode == .read)
        #expect(profile.timeSync == nil)
    }

    @Test func rateLimitDefaultsAndValues() throws {
        #expect(try DeviceProfileParser.parse(yaml: Self.valid, file: "inline.yaml").rateLimit == .spotCheck)
        let partial = Self.valid + "\nrate_limit:\n  burst: 100\n"
        #expect(try DeviceProfileParser.parse(yaml: partial, file: "inline.yaml").rateLimit
            == RateLimit(readingsPerMinute: 4, burst: 100, calmAfterSeconds: 300))
        let full = Self.valid + "\nrate_limit: {readings_per_minute: 0.5, burst: 7, calm_after_seconds: 60}\n"
        #expect(try DeviceProfileParser.parse(yaml: full, file: "inline.yaml").rateLimit
            == RateLimit(readingsPerMinute: 0.5, burst: 7, calmAfterSeconds: 60))
    }

    @Test func rateLimitMistakesAreNamed() throws {
        let outOfRange = try problems(Self.valid + "\nrate_limit:\n  readings_per_minute: 0\n  burst: 0\n  calm_after_seconds: 90000\n")
        #expect(outOfRange.map(\.keyPath) == [
            "rate_limit.readings_per_minute", "rate_limit.burst", "rate_limit.calm_after_seconds",
        ])
        #expect(outOfRange.first?.line == 15)
        let unknown = try problems(Self.valid + "\nrate_limit:\n  brust: 5\n")
        #expect(unknown.map(\.keyPath) == ["rate_limit.brust"])
        let wrongType = try problems(Self.valid + "\nrate_limit:\n  burst: many\n")
        #expect(wrongType.map(\.keyPath) == ["rate_limit.burst"])
        #expect(wrongType.first?.problem == .wrongType(expected: "a whole number"))
    }

    static let oximeter = """
        id: test-oximeter
        name: Test oximeter
        service: "1822"
        bonding_required: false
        characteristics:
          - uuid: "2A5F"
            mode: notify
            required: true
        racp: false
        """

    @Test func continuousSettlingDefaultsAndValues() throws {
        #expect(try DeviceProfileParser.parse(yaml: Self.oximeter, file: "inline.yaml").continuousSettling == .standard)
        let set = Self.oximeter + "\ncontinuous_settling: {window_seconds: 20, minimum_samples: 15, maximum_spread: 3}\n"
        #expect(try DeviceProfileParser.parse(yaml: set, file: "inline.yaml").continuousSettling
            == ContinuousSettling(windowSeconds: 20, minimumSamples: 15, maximumSpread: 3))
        let partial = Self.oximeter + "\ncontinuous_settling:\n  window_seconds: 45\n"
        #expect(try DeviceProfileParser.parse(yaml: partial, file: "inline.yaml").continuousSettling
            == ContinuousSettling(windowSeconds: 45, minimumSamples: 10, maximumSpread: 4))
    }

    @Test func continuousSettlingOutsideItsHardLimitsOrWithoutAStreamIsRefused() throws {
        let outOfRange = try problems(Self.oximeter + "\ncontinuous_settling:\n  window_seconds: 4\n  minimum_samples: 601\n  maximum_spread: 11\n")
        #expect(outOfRange.map(\.keyPath) == [
            "continuous_settling.window_seconds", "continuous_settling.minimum_samples", "continuous_settling.maximum_spread",
        ])
        #expect(outOfRange.first?.line == 11)
        #expect(outOfRange.first?.problem == .invalidValue("must be between 5 and 120 seconds (got 4)"))
        let tooLong = try problems(Self.oximeter + "\ncontinuous_settling: {window_seconds: 121}\n")
        #expect(tooLong.map(\.keyPath) == ["continuous_settling.window_seconds"])
        let unknown = try problems(Self.oximeter + "\ncontinuous_settling:\n  window: 30\n")
        #expect(unknown.map(\.keyPath) == ["continuous_settling.window"])
        // A cuff has no stream to settle: the key there is a mistake.
        let cuff = try problems(Self.valid + "\ncontinuous_settling: {window_seconds: 30}\n")
        #expect(cuff.map(\.keyPath) == ["continuous_settling"])
    }

    @Test func unknownKeyIsNamedWithItsLine() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "bonding_required", with: "bonding_requird"))
        #expect(found.count == 1)
        #expect(found.first?.keyPath == "bonding_requird")
        #expect(found.first?.line == 4)
        guard case .unknownKey(let allowed)? = found.first?.problem else {
            Issue.record("expected unknownKey, got \(found)")
            return
        }
        #expect(allowed.contains("bonding_required"))
        #expect(found.first?.description.contains("broken.yaml:4: bonding_requird: unknown key") == true)
    }

    @Test func unknownKeyInsideACharacteristic() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "    mode: read", with: "    mdoe: read"))
        #expect(found.map(\.keyPath) == ["characteristics[1].mdoe"])
        #expect(found.first?.line == 10)
    }

    @Test func missingRequiredKey() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "service: \"1810\"\n", with: ""))
        #expect(found.map(\.keyPath) == ["service"])
        #expect(found.first?.problem == .missingKey)
        let entry = try problems(Self.valid.replacingOccurrences(of: "    mode: indicate\n", with: ""))
        #expect(entry.map(\.keyPath) == ["characteristics[0].mode"])
        #expect(entry.first?.problem == .missingKey)
    }

    @Test func wrongType() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "bonding_required: true", with: "bonding_required: sometimes"))
        #expect(found.map(\.keyPath) == ["bonding_required"])
        #expect(found.first?.problem == .wrongType(expected: "true or false"))
        #expect(found.first?.line == 4)
    }

    @Test func unknownCharacteristicAndService() throws {
        let characteristic = try problems(Self.valid.replacingOccurrences(of: "\"2A35\"", with: "\"2AFF\""))
        #expect(characteristic.map(\.keyPath) == ["characteristics[0].uuid"])
        #expect(characteristic.first?.problem == .unknownCharacteristic("2AFF"))
        #expect(characteristic.first?.line == 6)
        let service = try problems(Self.valid.replacingOccurrences(of: "\"1810\"", with: "\"180A\""))
        #expect(service.map(\.keyPath).first == "service")
        #expect(service.first?.problem == .unknownService("180A"))
    }

    @Test func modeNotAllowedForTheCharacteristic() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "mode: indicate", with: "mode: notify"))
        #expect(found.map(\.keyPath).contains("characteristics[0].mode"))
        #expect(found.first?.problem == .modeNotAllowed(
            mode: "notify", characteristic: "Blood Pressure Measurement (0x2A35)", allowed: ["indicate"]))
        let bogus = try problems(Self.valid.replacingOccurrences(of: "mode: read", with: "mode: subscribe"))
        #expect(bogus.map(\.keyPath) == ["characteristics[1].mode"])
    }

    @Test func characteristicOfAnotherService() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "blood-pressure-feature", with: "\"2A18\"")
            .replacingOccurrences(of: "mode: read", with: "mode: notify"))
        #expect(found.map(\.keyPath) == ["characteristics[1].uuid"])
        #expect(found.first?.problem == .characteristicNotInService(characteristic: "Glucose Measurement (0x2A18)", service: "0x1810"))
    }

    @Test func duplicateCharacteristic() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "blood-pressure-feature", with: "\"2A35\"")
            .replacingOccurrences(of: "mode: read", with: "mode: indicate"))
        #expect(found.map(\.keyPath) == ["characteristics[1].uuid"])
        #expect(found.first?.problem == .duplicateCharacteristic("Blood Pressure Measurement (0x2A35)"))
    }

    @Test func racpMustMatchTheControlPoint() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "racp: false", with: "racp: true"))
        #expect(found.map(\.keyPath) == ["racp"])
    }

    @Test func timeSyncAndDeviceInformationRules() throws {
        let sync = try problems(Self.valid + "\ntime_sync:\n  service: \"1805\"\n  characteristic: \"2A08\"\n")
        #expect(sync.map(\.keyPath) == ["time_sync"])
        let dateTime = try problems(Self.valid + "\ntime_sync:\n  service: \"1810\"\n  characteristic: date-time\n  required: true\n")
        #expect(dateTime.isEmpty)
        let information = try problems(Self.valid.replacingOccurrences(of: "[\"2A29\"]", with: "[\"2A29\", \"2A35\", \"2A29\"]"))
        #expect(information.map(\.keyPath) == ["device_information[1]", "device_information[2]"])
    }

    @Test func severalProblemsInOneFileAreAllReported() throws {
        let found = try problems(Self.valid
            .replacingOccurrences(of: "id: test-bp", with: "id: Test BP")
            .replacingOccurrences(of: "\"2A35\"", with: "\"2AFF\""))
        #expect(Set(found.map(\.keyPath)) == ["id", "characteristics[0].uuid"])
    }

    @Test func yamlSyntaxErrors() throws {
        let found = try problems("id: [unterminated\nname: x\n")
        #expect(found.count == 1)
        guard case .syntax(let reason)? = found.first?.problem else {
            Issue.record("expected a syntax error, got \(found)")
            return
        }
        #expect(!reason.isEmpty)
        #expect(try problems("").first?.problem == .emptyDocument)
        #expect(try problems("- a\n- b\n").first?.problem == .wrongType(expected: "a mapping of profile keys"))
        #expect(try problems(String(repeating: "[", count: 100)).first?.problem == .syntax("collections nested deeper than 16"))
    }

    @Test func duplicateProfilesAcrossFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write(Self.valid, to: directory, as: "a.yaml")
        try write(Self.valid, to: directory, as: "b.yml")
        try write("not a profile", to: directory, as: "notes.txt")
        do {
            _ = try DeviceProfileCatalog.load(directory: directory)
            Issue.record("duplicate profiles were accepted")
        } catch {
            #expect(error.errors.map(\.keyPath) == ["id", "service"])
            #expect(error.errors.allSatisfy { $0.file.hasSuffix("b.yml") })
            #expect(error.errors.first?.problem == .duplicateProfile(id: "test-bp", otherFile: (directory as NSString).appendingPathComponent("a.yaml")))
            #expect(error.description.contains("already defined in"))
        }
    }

    @Test func emptyOrMissingDirectory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: DeviceProfileLoadError([DeviceProfileError(file: directory, keyPath: "", problem: .noProfiles)])) {
            try DeviceProfileCatalog.load(directory: directory)
        }
        do {
            _ = try DeviceProfileCatalog.load(directory: directory + "/missing")
            Issue.record("a missing directory loaded")
        } catch {
            guard case .unreadable? = error.errors.first?.problem else {
                Issue.record("expected unreadable, got \(error)")
                return
            }
        }
    }

    @Test func oneBrokenFileFailsTheWholeLoad() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write(Self.valid, to: directory, as: "good.yaml")
        try write(Self.valid.replacingOccurrences(of: "test-bp", with: "other").replacingOccurrences(of: "\"1810\"", with: "\"1809\""),
                  to: directory, as: "wrong-service.yaml")
        do {
            _ = try DeviceProfileCatalog.load(directory: directory)
            Issue.record("a broken set loaded")
        } catch {
            // 2A35 and 2A49 are not thermometer characteristics.
            #expect(error.errors.count == 2)
            #expect(error.errors.allSatisfy { $0.file.hasSuffix("wrong-service.yaml") })
        }
    }
}

@Suite struct ProfileShapeTests {
    @Test func aProfileMustSubscribeToSomething() throws {
        let readOnly = """
            id: read-only
            name: Reads only
            service: "1810"
            bonding_required: false
            characteristics:
              - uuid: "2A49"
                mode: read
                required: true
            """
        #expect(throws: DeviceProfileLoadError([DeviceProfileError(
            file: "x.yaml", keyPath: "characteristics", line: 5,
            problem: .invalidValue("no measurement to subscribe to (notify or indicate)"))])) {
            try DeviceProfileParser.parse(yaml: readOnly, file: "x.yaml")
        }
    }
}
