import BlueZ
import Foundation
import GatewayTestSupport
import GRDB
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonFaults {
    /// `dhoctl reset` hands the hub to the next patient. The database part is one transaction (readings,
    /// outbox, devices, triage), so no kill can leave half of the previous patient behind; the bonds in
    /// bluetoothd, which no transaction covers, are listed by that transaction and removed when bluetoothd can.
    @Suite(.serialized) struct PatientResetTests {
        static let cuff = "A0:9E:1A:00:00:01"
        static let oximeter = "00:A0:50:00:00:02"

        /// A COPD patient with two active alerts (SpO2 86 % red, pulse 104 yellow), hook events and two bonded
        /// devices (the cuff bonded); the adapter disappears, the hub is reset, the daemon is killed before bluetoothd could drop
        /// the bonds, and restarted for a new patient on the heart-failure template once the adapter is back.
        @Test func aKilledResetIsFinishedAtStartupAndTheNextPatientInheritsNothing() async throws {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dho-reset-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let recorder = try AlertHookRecorder(in: scratch)
            let hook = recorder.script
            let gateway = try await GatewayHarness.start(extraConfiguration: "alerts:\n  hook: \(hook)\n")
            try await withGateway("patient-reset", gateway) {
                for address in [Self.cuff, Self.oximeter] {
                    let paired = try await gateway.dhoctl(["pair", address, "--by", "technician-e2e"])
                    #expect(paired.status == 0, "pair \(address): \(paired.stderr)")
                }
                try await gateway.waitUntil("two active alerts, their hook run and everything delivered") {
                    let alerts = try await gateway.dhoctlJSON(["alerts"]) as? [[String: Any]] ?? []
                    let queue = try await gateway.status()["queue"] as? [String: Any]
                    let hookLines = recorder.lines
                    return alerts.count == 2 && hookLines.count >= 2 && queue?["undelivered"] as? Int == 0
                }
                // bluetoothd holds the cuff's bond (just works); the oximeter does not bond.
                #expect(try await gateway.simulatorControl.deviceState(BluetoothAddress(Self.cuff)!).paired)

                // bluetoothd cannot remove bonds while the adapter is gone; the database part is done regardless.
                try await gateway.simulatorControl.removeAdapter()
                let reset = try await gateway.dhoctl(["reset", "--confirm", gateway.gatewayID])
                #expect(reset.status == 0, "\(reset.stderr)")
                #expect(reset.stdout.contains("2 device(s) forgotten"), "\(reset.stdout)")
                #expect(reset.stdout.contains("2 Bluetooth bond(s) not removed yet"), "\(reset.stdout)")
                #expect(await gateway.stopDaemon(signal: SIGKILL) == SIGKILL)

                // The hub goes to the next patient, on another template.
                try await gateway.simulatorControl.addAdapter()
                let nextPatient = "Patient/next-\(UUID().uuidString.prefix(8))"
                try gateway.editConfiguration {
                    $0.replacingOccurrences(of: "template: copd", with: "template: heart-failure")
                        .replacingOccurrences(of: gateway.patientReference, with: nextPatient)
                }
                try await gateway.startDaemon()

                // Start-up finished the reset: the old bond is gone from bluetoothd...
                try await gateway.waitUntil("the previous patient's bond removed", timeout: .seconds(30)) {
                    let state = try await gateway.simulatorControl.deviceState(BluetoothAddress(Self.cuff)!)
                    return !state.paired && !state.trusted
                }
                // ...and the new plan is the only one, with nothing else of the previous patient.
                let thresholds = try await gateway.dhoctlJSON(["thresholds"]) as? [String: Any] ?? [:]
                let active = thresholds["active"] as? [String: Any]
                #expect((active?["planName"] as? String)?.hasPrefix("Hjertesvikt") == true, "\(thresholds)")
                #expect((thresholds["history"] as? [Any])?.count == 1, "\(thresholds)")
                #expect((try await gateway.dhoctlJSON(["alerts", "--all"]) as? [Any])?.isEmpty == true)
                #expect((try await gateway.dhoctlJSON(["devices"]) as? [Any])?.isEmpty == true)
                #expect((try await gateway.dhoctlJSON(["readings"]) as? [Any])?.isEmpty == true)
                #expect(try await gateway.status()["readingsStored"] as? Int == 0)

                #expect(await gateway.stopDaemon() == 0)
                let rows = try await Self.rowCounts(gateway.databasePath)
                let leftovers = rows.filter { table, count in
                    count > 0 && !["triage_plan_versions", "triage_audit", "store_meta"].contains(table)
                }
                #expect(leftovers.isEmpty, "rows of the previous patient: \(leftovers)")
                #expect(rows["triage_plan_versions"] == 1)
            }
        }

        /// Rows per table of every table in the database (SQLite's and GRDB's own excepted).
        static func rowCounts(_ path: String) async throws -> [String: Int] {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try await queue.read { db in
                let tables = try String.fetchAll(db, sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table'
                    AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                    """)
                var counts: [String: Int] = [:]
                for table in tables { counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\(table)\"") ?? 0 }
                return counts
            }
        }
    }
}
