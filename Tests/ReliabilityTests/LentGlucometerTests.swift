import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceModelFaults {
    /// A lent glucometer still holds its previous user's records when it is provisioned for a new patient. The
    /// time rule (stamped before provisioning) misses those a clock never set dated (2000) and those measured
    /// minutes before the pairing (within the drift margin): they were forwarded as the new patient's. Now the
    /// first visit marks the meter's last record at provisioning, and every record up to it is kept apart.
    @Suite(.serialized) struct LentGlucometerTests {
        static let meter = BluetoothAddress(Scenarios.meter)!

        @Test func recordsInALentMetersMemoryAtPairingAreKeptApart() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-lent-meter-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let neverSet = try DeviceDateTime(year: 2000, month: 1, day: 1, hours: 0, minutes: 12, seconds: 0)
            let previousUsers = [
                try DeviceRecords.glucoseRecord(sequence: 41, at: neverSet, tenths: 250),
                try DeviceRecords.glucoseRecord(sequence: 42, at: try DeviceRecords.deviceTime(secondsAgo: 180), tenths: 31),
            ]
            let scenario = try Scenarios.write(Scenarios.home(glucoseRecords: previousUsers, cuffMemory: []), in: work)
            let gateway = try await GatewayHarness.start(scenario: scenario, carePlan: "diabetes", revisitInterval: "1s")
            try await withGateway("lent-meter", gateway) {
                let paired = try await gateway.dhoctl(["pair", Scenarios.meter, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the previous user's records stored") {
                    try await gateway.status()["readingsStored"] as? Int == 2
                }
                // The new patient measures.
                let own = try DeviceRecords.glucoseRecord(sequence: 43, at: try DeviceRecords.deviceTime(secondsAgo: 0), tenths: 62)
                try await gateway.simulatorControl.addGlucoseRecords(Self.meter, [own])
                try await gateway.waitUntil("the patient's record stored and forwarded") {
                    let status = try await gateway.status()
                    if status["readingsStored"] as? Int == 3, (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0 {
                        return true
                    }
                    try await gateway.simulatorControl.advertise(Self.meter)
                    try await Task.sleep(for: .milliseconds(500))
                    return false
                }
                let readings = try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
                let apart = readings.filter { $0["delivery"] as? String == "kept apart: in memory at provisioning" }
                #expect(apart.count == 2, "\(readings)")
                #expect(apart.allSatisfy { $0["triage"] == nil || $0["triage"] is NSNull }, "\(apart)")
                let delivered = readings.filter { $0["delivery"] as? String == "delivered" }
                #expect(delivered.count == 1 && (delivered.first?["values"] as? [String])?.first?.contains("6.2") == true, "\(readings)")
                // The glucose, its coincident time stamp and its sample location.
                #expect(try await gateway.receiver.identifiers("Observation").count == 3)
                #expect(gateway.daemonLog.contains("memory at provisioning: records up to 42"))
            }
        }
    }
}
