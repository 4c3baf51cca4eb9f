import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceDataFaults {
    /// `dhoctl device clear-memory`: a lent meter's memory is deleted only after every record was transferred, only
    /// up to the last one stored, with the address typed again; otherwise it is refused, saying why, and the meter
    /// keeps everything.
    @Suite(.serialized) struct DeviceMemoryTests {
        static let meter = BluetoothAddress(Scenarios.meter)!

        static func metersRecords(_ gateway: GatewayHarness) async throws -> Int {
            try await gateway.simulatorControl.deviceState(Self.meter).glucoseRecords
        }

        @Test func aMetersMemoryIsClearedOnlyAfterAFullTransferAndWithConfirmation() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-clear-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let scenario = try Scenarios.write(
                Scenarios.home(glucoseRecords: try DeviceRecords.glucoseRecords(count: 3), cuffMemory: []), in: work)
            let gateway = try await GatewayHarness.start(scenario: scenario, carePlan: "diabetes", revisitInterval: "1s")
            try await withGateway("clear-memory", gateway) {
                for address in [Scenarios.meter, Scenarios.cuff] {
                    let paired = try await gateway.dhoctl(["pair", address, "--by", "technician-e2e", "--memory-is-patients"])
                    #expect(paired.status == 0, "\(paired.stderr)")
                }
                try await GlucoseNumberingTests.collect(gateway, until: 3)

                // No confirmation, a cuff (no RACP), a meter out of reach: refused, nothing deleted.
                let unconfirmed = try await gateway.dhoctl(["device", "clear-memory", Scenarios.meter])
                #expect(unconfirmed.status == 1 && unconfirmed.stderr.contains("--confirm \(Scenarios.meter)"), "\(unconfirmed.stderr)")
                let cuff = try await gateway.dhoctl(["device", "clear-memory", Scenarios.cuff, "--confirm", Scenarios.cuff])
                #expect(cuff.status == 1 && cuff.stderr.contains("no Record Access Control Point"), "\(cuff.stderr)")
                try await gateway.simulatorControl.setInRange(Self.meter, false)
                var away = try await gateway.dhoctl(["device", "clear-memory", Scenarios.meter, "--confirm", Scenarios.meter])
                // The visit that collected the records may still be hanging up: the command says so and is asked again.
                for _ in 0..<20 where away.stderr.contains("a visit of the device is running") {
                    try await Task.sleep(for: .milliseconds(500))
                    away = try await gateway.dhoctl(["device", "clear-memory", Scenarios.meter, "--confirm", Scenarios.meter])
                }
                #expect(away.status == 1 && away.stderr.contains("not cleared: connect"), "\(away.stderr)")
                #expect(try await Self.metersRecords(gateway) == 3)

                // Back in reach with a record taken meanwhile: transferred first, then the memory is cleared up to it.
                try await gateway.simulatorControl.setInRange(Self.meter, true)
                try await gateway.simulatorControl.addGlucoseRecords(
                    Self.meter, try DeviceRecords.glucoseRecords(count: 1, firstSequence: 4, now: Date().addingTimeInterval(-120)))
                var cleared = try await gateway.dhoctl(["device", "clear-memory", Scenarios.meter, "--confirm", Scenarios.meter])
                // A visit of the back-off may still be running: the command says so and is asked again.
                for _ in 0..<20 where cleared.stderr.contains("a visit of the device is running") {
                    try await Task.sleep(for: .milliseconds(500))
                    cleared = try await gateway.dhoctl(["device", "clear-memory", Scenarios.meter, "--confirm", Scenarios.meter])
                }
                #expect(cleared.status == 0 && cleared.stdout.contains("memory cleared up to record 4"), "\(cleared.stdout) \(cleared.stderr)")
                #expect(try await Self.metersRecords(gateway) == 0)
                #expect(try await gateway.status()["readingsStored"] as? Int == 4)
                let racp = try #require(BluetoothUUID("2A52"))
                #expect(try await gateway.simulatorControl.writtenValues(Self.meter, racp).last == [0x02, 0x02, 0x01, 0x04, 0x00])

                // The numbering goes on after the delete: the next record is fetched, no restart is seen.
                try await gateway.simulatorControl.addGlucoseRecords(
                    Self.meter, try DeviceRecords.glucoseRecords(count: 1, firstSequence: 5, now: Date().addingTimeInterval(-60)))
                try await GlucoseNumberingTests.collect(gateway, until: 5)
                #expect(!gateway.daemonLog.contains("record numbering restarted"))
                // Per record: the glucose, its coincident time stamp and its sample location.
                #expect(try await gateway.receiver.identifiers("Observation").count == 3 * 5)
            }
        }
    }
}
