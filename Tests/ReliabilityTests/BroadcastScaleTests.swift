import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceModelFaults {
    /// Consumer scales that only broadcast their weighings in advertisements (issue 15): interim values, then the
    /// settled one repeated for seconds, and again after a daemon restart — one reading, triaged and forwarded once.
    @Suite struct BroadcastScaleTests {
        /// One broadcasting model as the simulator plays it, with the captured frames its codec's tests name.
        struct Model: Sendable, CustomTestStringConvertible {
            var profile: String
            var address: String
            var interim: [AdvertisedData]
            /// The settled weighing as the scale repeats it (captured frames; varying only where the scale varies).
            var finals: [AdvertisedData]
            var malformed: AdvertisedData
            var weight: String
            var testDescription: String { profile }
        }

        static let neighbourScale = "B4:56:5D:00:00:99"

        static func interim<Codec: BroadcastCodec>(_ codec: Codec.Type, _ weights: [String], stamp: DeviceDateTime?) -> [AdvertisedData] {
            weights.map { try! codec.advertisement(for: BroadcastWeighing(weight: DecimalNumber($0)!, unit: .kilogram, stabilised: false, timestamp: stamp)) }
        }

        /// "1D79…" as bytes.
        static func bytes(_ hex: String) -> [UInt8] {
            stride(from: 0, to: hex.count, by: 2).map { offset in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
        }

        static func serviceData(_ service: GATTService, _ hex: String) -> AdvertisedData {
            AdvertisedData(serviceData: [service.uuid: bytes(hex)])
        }

        static let captureTime = try! DeviceDateTime(year: 2022, month: 2, day: 14, hours: 16, minutes: 41, seconds: 58)

        static let models: [Model] = [
            // theengs/decoder tests/BLE/test_ble.cpp: 61.75 kg, then the same after stepping off (weight removed).
            Model(profile: "xiaomi-mi-scale-2", address: "5C:CA:D3:00:00:11",
                  interim: interim(XiaomiMiScale2.self, ["20.5", "48.1", "61.6"], stamp: captureTime),
                  finals: [serviceData(.weightScale, "223e30e607020e10293a"), serviceData(.weightScale, "a23e30e607020e10293a")],
                  malformed: serviceData(.weightScale, "223e30e607"), weight: "61.75"),
            // theengs/decoder: 72.45 kg settled, then with its impedance (503 Ω) seconds later.
            Model(profile: "xiaomi-mi-body-composition-scale-2", address: "C8:47:8C:00:00:12",
                  interim: interim(XiaomiBodyCompositionScale2.self, ["31.2", "70.9"], stamp: captureTime),
                  finals: [serviceData(.bodyComposition, "0224e607020e10293a00009a38"),
                           serviceData(.bodyComposition, "0226e607020e10293af7019a38")],
                  malformed: serviceData(.bodyComposition, "0226e607020e10293af7019a"), weight: "72.45"),
            // homeassistant-okokscale issue 7: 75.45 kg under company identifiers 0x45C0 and 0x46C0 (the high byte moves).
            Model(profile: "okok-scale", address: "B4:56:5D:37:76:9A",
                  interim: interim(OKOKScale.self, ["12.4", "75.1"], stamp: nil),
                  finals: [AdvertisedData(manufacturerData: [0x45C0: bytes("1D7917700A0125B4565D37769A")]),
                           AdvertisedData(manufacturerData: [0x46C0: bytes("1D7917700A0125B4565D37769A")])],
                  malformed: AdvertisedData(manufacturerData: [0x45C0: bytes("1D7917700A0125B4565D3776")]),
                  weight: "75.45"),
        ]

        static let scenario = """
            adapter: {name: hci0, address: "00:1A:7D:DA:71:13", alias: dho-gateway, powered: false}
            timing: \(Scenarios.quickRadio)
            devices:
            \(models.map { "  - {address: \"\($0.address)\", rssi: -60}" }.joined(separator: "\n"))
              - {address: "\(neighbourScale)", name: "Chipsea-BLE", rssi: -70}

            """

        static func start(_ name: String) async throws -> (GatewayHarness, URL) {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-\(name)-\(UUID().uuidString.prefix(8))")
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(scenario, in: work), carePlan: "heart-failure")
            return (gateway, work)
        }

        /// The device as `dhoctl devices --json` shows it.
        static func device(_ gateway: GatewayHarness, _ address: String) async throws -> [String: Any]? {
            (try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []).first { $0["address"] as? String == address }
        }

        /// Broadcasts `data` until bluetoothd reports it (the daemon scans widely only once a broadcast device is
        /// provisioned, and again after a restart).
        static func broadcastUntilSeen(_ gateway: GatewayHarness, _ address: String, _ data: AdvertisedData) async throws {
            let device = try #require(BluetoothAddress(address))
            try await gateway.waitUntil("bluetoothd to see \(address)'s advertisements", timeout: .seconds(30)) {
                try await gateway.simulatorControl.broadcast(device, data)
            }
        }

        /// Sends a malformed frame and waits until the daemon counted `count` of them: every advertisement sent
        /// before it has been processed (one loop per device, in order).
        static func drain(_ gateway: GatewayHarness, _ model: Model, malformedCount count: Int) async throws {
            try await broadcastUntilSeen(gateway, model.address, model.malformed)
            try await gateway.waitUntil("the advertisements to be processed") {
                try await device(gateway, model.address)?["malformed"] as? Int == count
            }
        }

        @Test(arguments: models)
        func aWeighingBroadcastRepeatedAcrossARestartIsOneReading(model: Model) async throws {
            let (gateway, work) = try await Self.start("broadcast")
            defer { try? FileManager.default.removeItem(at: work) }
            let address = try #require(BluetoothAddress(model.address))
            try await withGateway("broadcast-\(model.profile)", gateway) {
                // Provisioned by address: no Pair(), no bond, the scale need not be advertising.
                let paired = try await gateway.dhoctlJSON(["pair", model.address, "--profile", model.profile, "--by", "technician-e2e"])
                #expect((paired as? [String: Any])?["bonded"] as? Bool == false, "\(paired)")
                let state = try await gateway.simulatorControl.deviceState(address)
                #expect(state.pairAttempts == 0 && state.connectAttempts == 0 && !state.paired)

                try await Self.broadcastUntilSeen(gateway, model.address, model.interim[0])
                for data in model.interim.dropFirst() + model.finals + model.finals + model.finals {
                    try await gateway.simulatorControl.broadcast(address, data)
                }
                try await Self.drain(gateway, model, malformedCount: 1)
                #expect(try await gateway.status()["readingsStored"] as? Int == 1)
                #expect(gateway.daemonLog.contains("malformed advertisement ignored"))

                // Killed while the scale still repeats its weighing: after the restart the repeats are the same reading.
                #expect(await gateway.stopDaemon(signal: SIGKILL) == SIGKILL)
                try await gateway.startDaemon()
                try await Self.broadcastUntilSeen(gateway, model.address, model.finals[0])
                for data in model.finals + model.finals { try await gateway.simulatorControl.broadcast(address, data) }
                try await Self.drain(gateway, model, malformedCount: 1)
                #expect(try await gateway.status()["readingsStored"] as? Int == 1)

                try await gateway.waitUntil("the weighing delivered") {
                    (try await gateway.status()["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                let readings = try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
                #expect(readings.count == 1)
                #expect((readings.first?["values"] as? [String])?.contains { $0.contains(model.weight) } == true, "\(readings)")
                #expect(readings.first?["triage"] as? String != nil, "\(readings)")
                // Each Observation created once; one of them the body weight (a stamped weighing also has the PHD
                // IG's time-stamp Observation).
                let observations = try await gateway.receiver.identifiers("Observation")
                #expect(observations.values.allSatisfy { $0 == 1 }, "\(observations)")
                let weights = try await gateway.receiver.resources("Observation").filter { "\($0["code"] ?? "")".contains("29463-7") }
                #expect(weights.count == 1, "\(weights)")
                #expect(observations.count == (model.profile == "okok-scale" ? 1 : 2), "\(observations)")
                #expect(try await gateway.receiver.violations().isEmpty)
            }
        }

        /// A neighbour's scale of a provisioned model broadcasting next door: seen by the wide scan, changes nothing,
        /// and its address is never written to the log.
        @Test func anUnprovisionedBroadcasterChangesNothing() async throws {
            let (gateway, work) = try await Self.start("broadcast-neighbour")
            defer { try? FileManager.default.removeItem(at: work) }
            let okok = try #require(Self.models.last)
            try await withGateway("broadcast-neighbour", gateway) {
                let paired = try await gateway.dhoctl(["pair", okok.address, "--profile", okok.profile, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await Self.broadcastUntilSeen(gateway, Self.neighbourScale, okok.finals[0])
                let neighbour = try #require(BluetoothAddress(Self.neighbourScale))
                for data in okok.interim + okok.finals + [okok.malformed] { try await gateway.simulatorControl.broadcast(neighbour, data) }
                // The patient's scale after the neighbour's: once its weighing is stored, the neighbour's were handled.
                try await Self.broadcastUntilSeen(gateway, okok.address, okok.finals[0])
                let patientsScale = try #require(BluetoothAddress(okok.address))
                for data in okok.finals { try await gateway.simulatorControl.broadcast(patientsScale, data) }
                try await gateway.waitUntil("the patient's weighing") { try await gateway.status()["readingsStored"] as? Int == 1 }
                try await Task.sleep(for: .milliseconds(500))
                #expect(try await gateway.status()["readingsStored"] as? Int == 1)
                #expect(try await Self.device(gateway, okok.address)?["malformed"] as? Int == 0)
                #expect(!gateway.daemonLog.contains(Self.neighbourScale), "the neighbour's address was logged")
            }
        }

        /// The wide scan and a GATT visit side by side: a thermometer is connected (its GATT objects held back, so
        /// the link stays up) while the OKOK scale is provisioned — the discovery filter widened — and broadcasts.
        @Test func aGATTDeviceIsVisitedWhileAScaleBroadcasts() async throws {
            let okok = try #require(Self.models.last)
            let scenario = """
                adapter: {name: hci0, address: "00:1A:7D:DA:71:13", alias: dho-gateway, powered: false}
                timing: \(Scenarios.quickRadio)
                devices:
                  - address: "\(Scenarios.thermometer)"
                    name: "UT-201BLE"
                    advertisedServices: ["1809"]
                    gattExport: manual
                    services:
                      - uuid: "1809"
                        characteristics:
                          - {uuid: "2A1C", flags: [indicate], stored: ["04 78 01 00 FF 03"], disconnectAfterStored: true}
                  - {address: "\(okok.address)", rssi: -60}

                """
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-broadcast-gatt-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(scenario, in: work), carePlan: "heart-failure")
            let thermometer = try #require(BluetoothAddress(Scenarios.thermometer))
            try await withGateway("broadcast-beside-gatt", gateway) {
                #expect(try await gateway.dhoctl(["pair", Scenarios.thermometer, "--by", "technician-e2e"]).status == 0)
                try await gateway.waitUntil("the thermometer's visit to connect") {
                    try await gateway.simulatorControl.deviceState(thermometer).connected
                }
                #expect(try await gateway.dhoctl(["pair", okok.address, "--profile", okok.profile, "--by", "technician-e2e"]).status == 0)
                try await Self.broadcastUntilSeen(gateway, okok.address, okok.finals[0])
                let scale = try #require(BluetoothAddress(okok.address))
                for data in okok.finals { try await gateway.simulatorControl.broadcast(scale, data) }
                try await gateway.waitUntil("the scale's weighing") { try await gateway.status()["readingsStored"] as? Int == 1 }
                #expect(try await gateway.simulatorControl.deviceState(thermometer).connected, "the visit was disturbed")
                try await gateway.simulatorControl.exportGatt(thermometer)
                try await gateway.waitUntil("the thermometer's reading") { try await gateway.status()["readingsStored"] as? Int == 2 }
                let kinds = Set((try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String })
                #expect(kinds == ["body-weight", "body-temperature"])
            }
        }

        /// An OKOK frame read at resolution 1 kg (attributes 0x03): 7545 kg. The existing plausibility ranges catch it
        /// as for any device: stored, marked implausible, never triaged as a zone.
        @Test func anImpossibleBroadcastWeightIsWithheld() async throws {
            let (gateway, work) = try await Self.start("broadcast-implausible")
            defer { try? FileManager.default.removeItem(at: work) }
            let okok = try #require(Self.models.last)
            let impossible = AdvertisedData(manufacturerData: [0x45C0: Self.bytes("1D7917700A0103B4565D37769A")])
            try await withGateway("broadcast-implausible", gateway) {
                #expect(try await gateway.dhoctl(["pair", okok.address, "--profile", okok.profile, "--by", "technician-e2e"]).status == 0)
                try await Self.broadcastUntilSeen(gateway, okok.address, impossible)
                let scale = try #require(BluetoothAddress(okok.address))
                for _ in 0..<3 { try await gateway.simulatorControl.broadcast(scale, impossible) }
                try await gateway.waitUntil("the weighing stored") { try await gateway.status()["readingsStored"] as? Int == 1 }
                let readings = try await gateway.dhoctl(["readings"])
                #expect(readings.stdout.contains("IMPLAUSIBLE weight 7545 kg"), "\(readings.stdout)")
                let rows = try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
                #expect(rows.first?["triage"] as? String == "control measurement needed", "\(rows)")
            }
        }
    }
}
