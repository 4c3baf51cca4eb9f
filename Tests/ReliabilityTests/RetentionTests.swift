import BlueZ
import Foundation
import GatewayTestSupport
import GRDB
import Testing

extension Faults {
    /// Months pass (the hub's wall clock moved 100 days on): the daemon's maintenance removes delivered readings
    /// past the 90-day retention and triage's copies of them, and keeps working.
    @Suite struct RetentionTests {
        static let cuff = BluetoothAddress("A0:9E:1A:00:00:01")!

        @Test func deliveredReadingsAndTheirTriageGoAfterTheRetentionPeriod() async throws {
            let gateway = try await GatewayHarness.start(startDaemon: false)
            try await withGateway("retention", gateway) {
                let clock = try await FakedWallClock.prepare(in: gateway.directory)
                try await gateway.startDaemon(environment: clock.environment)
                let paired = try await gateway.dhoctl(["pair", Self.cuff.description, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the cuff's memory stored and forwarded") {
                    let status = try await gateway.status()
                    return status["readingsStored"] as? Int == 2 && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                let database = GatewayDatabase(path: gateway.databasePath)
                let before = try await database.read { db in
                    (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM triage_evaluations") ?? 0,
                     try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM triage_values") ?? 0)
                }
                #expect(before.0 == 2 && before.1 > 0)

                #expect(await gateway.stopDaemon() == 0)
                try clock.set("+100d")
                try await gateway.startDaemon(environment: clock.environment)
                try await gateway.waitUntil("maintenance applied retention") {
                    gateway.daemonLog.contains("retention removed old triage data")
                }
                let after = try await database.read { db in
                    (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM readings") ?? -1,
                     try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reading_tombstones") ?? -1,
                     try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM triage_evaluations") ?? -1)
                }
                #expect(after.0 == 0, "readings left")
                #expect(after.1 == 2, "tombstones")      // so the cuff re-sending those records is still a duplicate
                #expect(after.2 == 0, "evaluations left")
                #expect(try await database.integrityCheck() == ["ok"])
                // The daemon carries on: status answers and nothing was sent twice.
                #expect(try await gateway.status()["readingsStored"] as? Int == 0)
                #expect(try await gateway.receiver.stat("duplicates") == 0)
            }
        }
    }
}
