import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceDataFaults {
    /// A family scale with the User Data Service (0x181C) sends a user's measurements only after that user's consent
    /// code (User Control Point 0x2A9F), as openScale's standard weight profile handles it. The gateway gives the
    /// patient's consent on every visit, registers the patient as a new user when paired with `--consent` alone,
    /// and a refused consent fails the visit, saying why, with nobody's measurement taken.
    @Suite(.serialized) struct UserDataServiceTests {
        static let scaleAddress = "00:22:5F:00:00:06"
        static let scale = BluetoothAddress(scaleAddress)!
        static let controlPoint = BluetoothUUID(short: 0x2A9F)

        static func weighing(kilograms: Int, user: UInt8) throws -> [UInt8] {
            try WeightMeasurement(
                units: .si, weightSteps: UInt16(kilograms * 200), timestamp: try DeviceRecords.deviceTime(secondsAgo: 30),
                userID: user).encoded()
        }

        /// A weighing as the scenario's hex text.
        static func stored(kilograms: Int, user: UInt8) throws -> String {
            "\"\(DeviceRecords.hex(try weighing(kilograms: kilograms, user: user)))\""
        }

        /// The scale, bonded already, advertising `name`; `users` is the YAML list of its users.
        static func start(users: String, in work: URL, name: String = "UC-352BLE") async throws -> GatewayHarness {
            let scenario = """
                adapter: {name: hci0, address: "00:1A:7D:DA:71:13", alias: dho-gateway, powered: false}
                timing: \(Scenarios.quickRadio)
                devices:
                  - address: "\(scaleAddress)"
                    name: "\(name)"
                    advertisedServices: ["181D"]
                    paired: true
                    trusted: true
                    services:
                      - uuid: "181D"
                        characteristics:
                          - {uuid: "2A9D", flags: [indicate]}
                          - {uuid: "2A9E", flags: [read], value: "00000000"}
                    userData:
                      measurement: "2A9D"
                      users:\(users)
                """
            let path = try Scenarios.write(scenario + "\n", in: work)
            return try await GatewayHarness.start(scenario: path, carePlan: "heart-failure", revisitInterval: "1s")
        }

        static func pair(_ gateway: GatewayHarness, _ options: [String]) async throws {
            let paired = try await gateway.dhoctl(["pair", scaleAddress, "--by", "technician-e2e", "--memory-is-patients"] + options)
            #expect(paired.status == 0, "\(paired.stderr)")
        }

        static func readings(_ gateway: GatewayHarness, count: Int) async throws -> [[String: Any]] {
            try await gateway.waitUntil("\(count) weighings stored and nothing waiting") {
                let status = try await gateway.status()
                return status["readingsStored"] as? Int == count && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
            }
            return try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
        }

        @Test func theConsentIsGivenOnEveryVisitAndOnlyThePatientsWeighingsCome() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-uds-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let users = """

                        - {index: 1, consent: 1111, stored: [\(try Self.stored(kilograms: 95, user: 1))]}
                        - {index: 2, consent: 4321, stored: [\(try Self.stored(kilograms: 80, user: 2))]}
                """
            let gateway = try await Self.start(users: users, in: work)
            try await withGateway("uds-consent", gateway) {
                try await Self.pair(gateway, ["--user", "2", "--consent", "4321"])
                let readings = try await Self.readings(gateway, count: 1)
                #expect(readings.first?["delivery"] as? String == "delivered", "\(readings)")
                #expect((readings.first?["values"] as? [String])?.first?.contains("80") == true, "\(readings)")
                // 4321 = 0x10E1: "Consent, user 2, 4321".
                let written = try await gateway.simulatorControl.writtenValues(Self.scale, Self.controlPoint)
                #expect(written.first == [0x02, 0x02, 0xE1, 0x10], "\(written)")
            }
        }

        @Test func aPatientPairedWithAConsentCodeIsRegisteredAsANewUser() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-udsreg-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let users = "\n            - {index: 1, consent: 1111, stored: [\(try Self.stored(kilograms: 95, user: 1))]}"
            let gateway = try await Self.start(users: users, in: work)
            try await withGateway("uds-register", gateway) {
                try await Self.pair(gateway, ["--consent", "4321"])
                try await gateway.waitUntil("the patient registered as user 2") {
                    let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
                    return devices.first?["userIndex"] as? Int == 2
                }
                let written = try await gateway.simulatorControl.writtenValues(Self.scale, Self.controlPoint)
                #expect(Array(written.prefix(2)) == [[0x01, 0xE1, 0x10], [0x02, 0x02, 0xE1, 0x10]], "\(written)")
                // Weighings while connected: the patient's is theirs, the spouse's is kept apart.
                try await gateway.simulatorControl.queueFrames(Self.scale, try #require(BluetoothUUID("2A9D")), [
                    try Self.weighing(kilograms: 81, user: 2), try Self.weighing(kilograms: 96, user: 1),
                ])
                let readings = try await Self.readings(gateway, count: 2)
                let patients = readings.first { ($0["values"] as? [String])?.first?.contains("81") == true }
                let spouses = readings.first { ($0["values"] as? [String])?.first?.contains("96") == true }
                #expect(patients?["delivery"] as? String == "delivered", "\(readings)")
                #expect(spouses?["delivery"] as? String == "kept apart: another user (1)", "\(readings)")
            }
        }

        /// The shipped family scale profile (`beurer-bf600`, `multi_user` and `user_consent`): pairing without the
        /// patient's consent code is refused and provisions nothing; with it the patient's weighing comes.
        @Test func theBeurerFamilyScaleIsPairedOnlyWithAConsentCode() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-udsbf-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let users = """

                        - {index: 1, consent: 1111, stored: [\(try Self.stored(kilograms: 95, user: 1))]}
                        - {index: 2, consent: 4321, stored: [\(try Self.stored(kilograms: 80, user: 2))]}
                """
            let gateway = try await Self.start(users: users, in: work, name: "BF600")
            try await withGateway("uds-beurer", gateway) {
                let refused = try await gateway.dhoctl(["pair", Self.scaleAddress, "--by", "technician-e2e", "--user", "2"])
                #expect(refused.status == 64, "\(refused.stdout)\(refused.stderr)")
                #expect(refused.stderr.contains("(beurer-bf600) sends a user's data only with that user's consent code"), "\(refused.stderr)")
                let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
                #expect(devices.isEmpty, "\(devices)")
                try await Self.pair(gateway, ["--user", "2", "--consent", "4321"])
                let readings = try await Self.readings(gateway, count: 1)
                #expect((readings.first?["values"] as? [String])?.first?.contains("80") == true, "\(readings)")
                let paired = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
                #expect(paired.first?["profile"] as? String == "beurer-bf600", "\(paired)")
            }
        }

        @Test func aRefusedConsentFailsTheVisitAndTakesNothing() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-udsno-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let users = "\n            - {index: 2, consent: 4321, stored: [\(try Self.stored(kilograms: 80, user: 2))]}"
            let gateway = try await Self.start(users: users, in: work)
            try await withGateway("uds-refused", gateway) {
                try await Self.pair(gateway, ["--user", "2", "--consent", "1234"])
                try await gateway.waitUntil("the visit to fail on the consent") {
                    let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
                    return (devices.first?["lastVisitResult"] as? String)?.contains("user not authorized") == true
                }
                #expect(try await gateway.status()["readingsStored"] as? Int == 0)
            }
        }
    }
}
