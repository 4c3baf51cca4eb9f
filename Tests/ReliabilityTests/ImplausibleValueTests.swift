import Foundation
import GatewayTestSupport
import Testing

extension MeasurementFaults {
    /// A thermometer whose frame decodes to 3.7e129 °C (FLOAT mantissa 3700000, exponent 123): it used to be
    /// stored as reliable, triaged red, forwarded as 3.7e129 °C and alerted as "temperature 3.7… °C" with the
    /// exponent cut off. Now it is a device error: stored with its raw frame, shown to the technician,
    /// forwarded without a value (dataAbsentReason error, entered-in-error) and never given a zone.
    @Suite struct ImplausibleValueTests {
        // 37.6 °C; 3.7e129 °C; 44.0 °C (plausible by default, not under this hub's 32–43 °C)
        static let scenario = Scenarios.thermometerHome(sends: [
            #"stored: ["00 78 01 00 FF", "00 20 75 38 7B", "00 B8 01 00 FF"]"#, "disconnectAfterStored: true",
        ])

        @Test func anImpossibleTemperatureIsADeviceErrorNotARedReading() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-implausible-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let recorder = try AlertHookRecorder(in: work)
            let hook = recorder.script
            let gateway = try await GatewayHarness.start(
                scenario: try Scenarios.write(Self.scenario, in: work),
                extraConfiguration: """
                    alerts:
                      hook: \(hook)
                    plausibility:
                      temperature: {unit: Cel, min: 32, max: 43}

                    """)
            try await withGateway("implausible-value", gateway) {
                let paired = try await gateway.dhoctl(["pair", Scenarios.thermometer, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("all three readings delivered") {
                    let status = try await gateway.status()
                    return status["readingsStored"] as? Int == 3
                        && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }

                // The technician sees the decoded value, marked, and the device named as a technical problem.
                let readings = try await gateway.dhoctl(["readings"])
                #expect(readings.stdout.contains("IMPLAUSIBLE temperature 3.7e129 Cel"), "\(readings.stdout)")
                #expect(readings.stdout.contains("IMPLAUSIBLE temperature 44 Cel"), "\(readings.stdout)")
                let rows = try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
                let triage = rows.compactMap { $0["triage"] as? String }
                #expect(triage.filter { $0 == "control measurement needed" }.count == 2, "\(rows)")
                #expect(!triage.contains("red") && !triage.contains("yellow"), "\(rows)")
                let status = try await gateway.dhoctl(["status"])
                #expect(status.stdout.contains("device \(Scenarios.thermometer) sent a physiologically impossible temperature value"),
                        "\(status.stdout)")

                // No alert, no Flag: a device error is not a zone.
                let alerts = try await gateway.dhoctlJSON(["alerts", "--all"]) as? [[String: Any]] ?? []
                #expect(alerts.isEmpty, "\(alerts)")
                #expect(try await gateway.receiver.identifiers("Flag").isEmpty)

                // The centre gets the IG's invalid measurement: no value, dataAbsentReason error, entered-in-error.
                let observations = try await gateway.receiver.resources("Observation")
                let temperatures = observations.filter {
                    (($0["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.contains { $0["code"] as? String == "8310-5" } == true
                }
                #expect(temperatures.count == 3, "\(observations)")
                let withheld = temperatures.filter { $0["valueQuantity"] == nil }
                #expect(withheld.count == 2)
                for observation in withheld {
                    let absent = observation["dataAbsentReason"] as? [String: Any]
                    let reason = (absent?["coding"] as? [[String: Any]])?.first?["code"] as? String
                    #expect(reason == "error")
                    #expect(observation["status"] as? String == "entered-in-error")
                }
                let text = String(data: try JSONSerialization.data(withJSONObject: observations), encoding: .utf8) ?? ""
                #expect(!text.contains("e129") && !text.contains("3700000") && !text.contains("implausible-values"))

                // The patient is asked for a control measurement; no text carries the impossible number.
                try await gateway.waitUntil("the hook to run") {
                    recorder.text.contains("control-measurement")
                }
                let hookText = recorder.text
                #expect(!hookText.contains("e129") && !hookText.contains("3700000") && !hookText.contains("bound"), "\(hookText)")
                #expect(!gateway.daemonLog.contains("above red bound"))
            }
        }
    }
}
