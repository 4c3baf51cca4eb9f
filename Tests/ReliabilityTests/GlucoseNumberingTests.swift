import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceDataFaults {
    /// A glucometer whose record numbering restarts (reset, battery change, replacement under the same address)
    /// numbers its new records 1, 2, … again. Asked "≥ cursor + 1" it sent none of them, visit after visit: they
    /// were lost for good. Now the visit notices the new numbering and fetches the new records, none lost, none
    /// twice, and a new record byte-identical to an old one under the same number is still a new record.
    @Suite(.serialized) struct GlucoseNumberingTests {
        static let meter = BluetoothAddress(Scenarios.meter)!
        static let sensorKey = "bt:\(Scenarios.meter)"

        /// Makes the meter advertise until the gateway has stored and forwarded `count` readings in all.
        static func collect(_ gateway: GatewayHarness, until count: Int) async throws {
            try await gateway.waitUntil("\(count) readings stored and forwarded") {
                let status = try await gateway.status()
                if status["readingsStored"] as? Int == count, (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0 {
                    return true
                }
                try await gateway.simulatorControl.advertise(Self.meter)
                try await Task.sleep(for: .milliseconds(500))
                return false
            }
        }

        static func start(_ records: [[UInt8]], in work: URL) async throws -> GatewayHarness {
            let scenario = try Scenarios.write(Scenarios.home(glucoseRecords: records, cuffMemory: []), in: work)
            return try await GatewayHarness.start(scenario: scenario, carePlan: "diabetes", revisitInterval: "1s")
        }

        static func pair(_ gateway: GatewayHarness) async throws {
            // The passkey the meter shows, asked for once its bond is gone (after forget).
            let paired = try await gateway.dhoctl(["pair", Scenarios.meter, "--by", "technician-e2e", "--memory-is-patients"],
                                                  stdin: "123456\n")
            #expect(paired.status == 0, "\(paired.stderr)")
        }

        @Test func aMeterWhoseNumberingRestartsLosesNoRecordAndDuplicatesNone() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-renumber-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let old = try DeviceRecords.glucoseRecords(count: 5)
            let gateway = try await Self.start(old, in: work)
            let database = GatewayDatabase(path: gateway.databasePath)
            try await withGateway("glucose-renumbered", gateway) {
                try await Self.pair(gateway)
                try await Self.collect(gateway, until: 5)

                // Reset with two new records: the new 1 is byte for byte the old 1 (a clock reset to the same
                // factory time, the same value), the new 2 another record. Record 5 is gone; the last is 2.
                let reset = [old[0], try DeviceRecords.glucoseRecords(count: 2)[1]]
                try await gateway.simulatorControl.replaceGlucoseRecords(Self.meter, reset)
                try await Self.collect(gateway, until: 7)

                // Reset again, now with more records than the cursor (2): record 2 is there, but another one.
                let again = try DeviceRecords.glucoseRecords(count: 3, now: Date().addingTimeInterval(-300))
                try await gateway.simulatorControl.replaceGlucoseRecords(Self.meter, again)
                try await Self.collect(gateway, until: 10)

                // The numbering goes on: only the new record is fetched, nothing is taken for a restart.
                let next = try DeviceRecords.glucoseRecords(count: 1, firstSequence: 4, now: Date().addingTimeInterval(-60))
                try await gateway.simulatorControl.addGlucoseRecords(Self.meter, next)
                try await Self.collect(gateway, until: 11)

                #expect(try await database.storedSequenceNumbers(sensorKey: Self.sensorKey) == [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5])
                // Per record: the glucose, its coincident time stamp and its sample location.
                #expect(try await gateway.receiver.identifiers("Observation").count == 3 * 11)
                #expect(try await gateway.receiver.stat("duplicates") == 0)
                #expect(gateway.daemonLog.components(separatedBy: "record numbering restarted").count - 1 == 2)
                #expect(try await database.racpCursor(address: Scenarios.meter) == 4)
            }
        }

        /// The meter's identity as a restart signal. Another meter under the same address (its serial number,
        /// Device Information 0x2A25, changed) holds its own records 1 and 2 and, at the cursor, a record 3 byte for
        /// byte the one stored (a coincidence the record check alone cannot see: it took this for the same memory,
        /// asked "≥ 4" and the new meter's 1 and 2 were never fetched). Now a changed serial number is a new
        /// numbering. A changed Glucose Feature (0x2A51, a firmware update) with the stored record still at the
        /// cursor is the same memory: only the new record is fetched, nothing twice.
        @Test func aChangedSerialNumberIsANewNumberingAChangedFeatureWithTheSameMemoryIsNot() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-reserial-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let old = try DeviceRecords.glucoseRecords(count: 3)
            let gateway = try await Self.start(old, in: work)
            let database = GatewayDatabase(path: gateway.databasePath)
            try await withGateway("glucose-serial-changed", gateway) {
                try await Self.pair(gateway)
                try await Self.collect(gateway, until: 3)

                let other = try DeviceRecords.glucoseRecords(count: 2, now: Date().addingTimeInterval(-600))
                try await gateway.simulatorControl.setValue(Self.meter, try #require(BluetoothUUID("2A25")), Array("CNO-9999".utf8))
                try await gateway.simulatorControl.replaceGlucoseRecords(Self.meter, [other[0], other[1], old[2]])
                try await Self.collect(gateway, until: 6)
                #expect(try await database.storedSequenceNumbers(sensorKey: Self.sensorKey) == [1, 1, 2, 2, 3, 3])
                #expect(gateway.daemonLog.contains("record numbering restarted (its serial number changed)"), "\(gateway.daemonLog.suffix(2000))")

                try await gateway.simulatorControl.setValue(Self.meter, try #require(BluetoothUUID("2A51")), [0x03, 0x04])
                let next = try DeviceRecords.glucoseRecords(count: 1, firstSequence: 4, now: Date().addingTimeInterval(-60))
                try await gateway.simulatorControl.addGlucoseRecords(Self.meter, next)
                try await Self.collect(gateway, until: 7)
                #expect(gateway.daemonLog.contains("its Glucose Feature changed, but the meter still holds record 3 as stored: the same memory"),
                        "\(gateway.daemonLog.suffix(2000))")
                #expect(gateway.daemonLog.components(separatedBy: "record numbering restarted").count - 1 == 1)
                #expect(try await database.storedSequenceNumbers(sensorKey: Self.sensorKey) == [1, 1, 2, 2, 3, 3, 4])
                // Per record: the glucose, its coincident time stamp and its sample location.
                #expect(try await gateway.receiver.identifiers("Observation").count == 3 * 7)
                #expect(try await gateway.receiver.stat("duplicates") == 0)
            }
        }

        /// Forget + pair clears the cursor: the meter is asked for all its records again (already stored ones are
        /// duplicates); a meter reset in between has its new records stored, the byte-identical new 1 included.
        @Test func forgetAndPairResetsTheCursor() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-repair-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let old = try DeviceRecords.glucoseRecords(count: 3)
            let gateway = try await Self.start(old, in: work)
            let database = GatewayDatabase(path: gateway.databasePath)
            // Read only at the end: a read of the file while the daemon runs leaves later reads of this process stale.
            try await withGateway("glucose-forget-pair", gateway) {
                try await Self.pair(gateway)
                try await Self.collect(gateway, until: 3)
                let forgotten = try await gateway.dhoctl(["forget", Scenarios.meter])
                #expect(forgotten.status == 0, "\(forgotten.stderr)")

                try await gateway.simulatorControl.replaceGlucoseRecords(Self.meter, [old[0]])
                let racp = try #require(BluetoothUUID("2A52"))
                let before = try await gateway.simulatorControl.writtenValues(Self.meter, racp).count
                // Its bond removed, bluetoothd knows the meter again once it advertises.
                try await gateway.simulatorControl.advertise(Self.meter)
                try await Self.pair(gateway)
                try await Self.collect(gateway, until: 4)
                let requests = try await gateway.simulatorControl.writtenValues(Self.meter, racp).dropFirst(before)
                // Asked for every record ("≥ 1", the new numbering having been noticed), not for those after the old
                // cursor ("≥ 4", "01 03 01 04 00"). The first such request after the re-pairing is the one that
                // counts: a later visit (the meter re-advertises) rightly asks for those after the new cursor.
                let reports = requests.filter { $0.starts(with: [0x01, 0x03, 0x01]) }
                #expect(reports.first == [0x01, 0x03, 0x01, 0x01, 0x00], "\(requests)")
                #expect(!reports.contains([0x01, 0x03, 0x01, 0x04, 0x00]), "\(requests)")
                let sequences = try await database.storedSequenceNumbers(sensorKey: Self.sensorKey)
                #expect(sequences == [1, 1, 2, 3], "\(sequences)")
                #expect(try await gateway.receiver.stat("duplicates") == 0)
            }
        }
    }
}
