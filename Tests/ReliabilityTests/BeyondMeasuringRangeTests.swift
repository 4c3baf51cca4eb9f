import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension MeasurementFaults {
    /// A glucometer's LO / HI: a glucose below (above) what the meter can quantify arrives as −∞ (+∞) with the status
    /// "result lower (higher) than the device can process". It used to be stored as "value absent", forwarded with a
    /// dataAbsentReason and answered with a request for a control measurement: a patient whose meter said LO — a
    /// severe hypoglycaemia — got no alert. Now it is red, alerted locally with the bound it lies beyond, and the
    /// Observation is what the PHD IG says for a special value.
    @Suite(.serialized) struct BeyondMeasuringRangeTests {
        static let meter = BluetoothAddress(Scenarios.meter)!

        /// An Accu-Chek Guide's LO record as the mySugr HCI snoop shows it (jbravo94/simple-ble-glucose-reader
        /// misc/mysugr_dump/btsnoop_hci.log; /work/notes/glucometer-research.md B4: records 12 and 14 are
        /// `0b <seq> <base time> 3c00 0208 f8 4000`): flags 0x0B, Time Offset +60 min, SFLOAT 0x0802 (−∞) in
        /// kg/L, type/location 0xF8, status 0x0040. Only the base time is today's, so that the record is recent.
        /// Measured now (base time an hour ago + the offset): after the meter was provisioned, so the patient's.
        static func guideRecord(sequence: UInt16, value: MedicalFloat, status: GlucoseSensorStatus) throws -> [UInt8] {
            try GlucoseMeasurement(
                sequenceNumber: sequence, baseTime: try DeviceRecords.deviceTime(secondsAgo: 3600), timeOffset: 60,
                unit: .kilogramPerLitre,
                concentration: .init(value: value, type: .undeterminedPlasma, location: .notAvailable),
                sensorStatus: status
            ).encoded()
        }

        static func deliver(_ gateway: GatewayHarness, _ records: [[UInt8]], until count: Int) async throws {
            try await gateway.simulatorControl.addGlucoseRecords(Self.meter, records)
            try await DeviceDataFaults.GlucoseNumberingTests.collect(gateway, until: count)   // the same home meter
        }

        @Test func aLowAndAHighGlucoseBeyondTheMeterAreRedAlertsWithoutANumber() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-beyond-range-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let recorder = try AlertHookRecorder(in: work)
            let hook = recorder.script
            // The meter's memory at pairing (kept apart as not the patient's): the simulator serves a glucose
            // service only to a meter with records.
            let earlier = try DeviceRecords.glucoseRecord(sequence: 11, at: try DeviceRecords.deviceTime(secondsAgo: 86_400), tenths: 62)
            let scenario = try Scenarios.write(Scenarios.home(glucoseRecords: [earlier], cuffMemory: []), in: work)
            let gateway = try await GatewayHarness.start(
                scenario: scenario, carePlan: "diabetes", extraConfiguration: "alerts:\n  hook: \(hook)\n", revisitInterval: "1s")
            try await withGateway("beyond-range", gateway) {
                let paired = try await gateway.dhoctl(["pair", Scenarios.meter, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the memory at pairing stored") {
                    try await gateway.status()["readingsStored"] as? Int == 1
                }
                let low = try Self.guideRecord(sequence: 12, value: .negativeInfinity, status: .resultLowerThanDeviceCanProcess)
                #expect(DeviceRecords.hex(low).hasPrefix("0B 0C 00") && DeviceRecords.hex(low).hasSuffix("3C 00 02 08 F8 40 00"),
                        "the trace's LO record: \(DeviceRecords.hex(low))")
                try await Self.deliver(gateway, [low], until: 2)

                // Red, alerted locally with the bound, never −∞ or a number the meter did not measure.
                let alerts = try await gateway.dhoctlJSON(["alerts"]) as? [[String: Any]] ?? []
                #expect(alerts.count == 1, "\(alerts)")
                #expect(alerts.first?["zone"] as? String == "red")
                let summary = alerts.first?["summary"] as? String ?? ""
                #expect(summary.hasPrefix("glucose below the meter's measuring range (LO, under 1.1 mmol/L) below red bound 3 mmol/L"), "\(summary)")
                try await gateway.waitUntil("the hook to run") {
                    recorder.text.contains("\"red\"")
                }
                let hookText = recorder.text
                #expect(hookText.contains("Måleren viste LO: blodsukkeret er lavere enn måleren kan måle (under 1,1 mmol/L)."), "\(hookText)")
                // The plan's red text and the centre's advice (in or after hours) follow, as for any red.
                #expect(hookText.contains("Blodsukkeret er i rød sone") && hookText.contains("Oppfølgingssenteret"), "\(hookText)")
                #expect(!hookText.lowercased().contains("infinity") && !hookText.contains("control-measurement"), "\(hookText)")

                // The technician sees LO with the bound.
                let readings = try await gateway.dhoctl(["readings"])
                #expect(readings.stdout.contains("glucose LO (below 1.1 mmol/L)"), "\(readings.stdout)")
                let decoded = try await gateway.dhoctl(["decode", "2A18", DeviceRecords.hex(low).replacingOccurrences(of: " ", with: "")])
                #expect(decoded.stdout.contains("LO (below 1.1 mmol/L)"), "\(decoded.stdout)")

                let high = try Self.guideRecord(sequence: 13, value: .positiveInfinity, status: .resultHigherThanDeviceCanProcess)
                try await Self.deliver(gateway, [high], until: 3)
                let rows = try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
                #expect(rows.compactMap { $0["triage"] as? String } == ["red", "red"], "\(rows)")
                let second = try await gateway.dhoctl(["readings"])
                #expect(second.stdout.contains("glucose HI (above 33.3 mmol/L)"), "\(second.stdout)")

                // The centre: the IG's special values (no valueQuantity, dataAbsentReason ±infinity), status final,
                // the red zone as critical low / high, the bound in the note; the strict receiver accepted them.
                let observations = try await gateway.receiver.resources("Observation").filter { $0["dataAbsentReason"] != nil }
                #expect(observations.count == 2, "\(observations)")
                var reasons: [String] = []
                for observation in observations {
                    #expect(observation["valueQuantity"] == nil)
                    #expect(observation["status"] as? String == "final")
                    let absent = observation["dataAbsentReason"] as? [String: Any]
                    reasons.append((absent?["coding"] as? [[String: Any]])?.first?["code"] as? String ?? "")
                    let text = String(data: try JSONSerialization.data(withJSONObject: observation), encoding: .utf8) ?? ""
                    #expect(text.contains("the meter's measuring range"), "\(text)")
                }
                #expect(reasons.sorted() == ["negative-infinity", "positive-infinity"])
                let text = String(data: try JSONSerialization.data(withJSONObject: observations), encoding: .utf8) ?? ""
                #expect(text.contains("\"LL\"") && text.contains("\"HH\""), "\(text)")
                let notes = observations.flatMap { ($0["note"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String } }
                #expect(notes.contains("Glucose below the meter's measuring range (LO, under 20 mg/dL)."), "\(notes)")
                #expect(notes.contains("Glucose above the meter's measuring range (HI, over 600 mg/dL)."), "\(notes)")
                #expect(try await gateway.receiver.stat("nonConformant") == 0)
                #expect(try await gateway.receiver.identifiers("Flag").count == 1)
            }
        }
    }
}
