import BlueZ
import Foundation
import GatewayTestSupport
import GRDB
import Testing

extension Faults {
    /// Triage fails inside the reading's own commit (here: the database refuses its evaluation): the reading is
    /// committed all the same, held back from the forwarder, and triaged and forwarded once triage works again.
    /// The reading and its triage share one commit, triage in a savepoint; without the savepoint the failure
    /// would take the reading with it.
    @Suite struct TriageFailureTests {
        static let cuff = BluetoothAddress("A0:9E:1A:00:00:01")!

        /// Opens the daemon's database beside it (SQLite's locking arbitrates) to change its schema.
        static func execute(_ sql: String, in path: String) async throws {
            // The daemon writes meanwhile: wait for its lock rather than fail at once ("database is locked").
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            try await queue.write { db in try db.execute(sql: sql) }
        }

        @Test func aReadingWhoseTriageFailsIsStoredHeldAndForwardedOnceTriaged() async throws {
            let gateway = try await GatewayHarness.start(extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n")
            try await withGateway("triage-failure", gateway) {
                try await gateway.waitUntil("the care plan installed") { gateway.daemonLog.contains("care plan installed") }
                // A switch in a table of the test's own, so that triage works again by a change of data, not schema.
                try await Self.execute("""
                    CREATE TABLE test_triage_switch (refusing INTEGER NOT NULL);
                    INSERT INTO test_triage_switch (refusing) VALUES (1);
                    CREATE TRIGGER test_refuses_triage BEFORE INSERT ON triage_evaluations
                    WHEN (SELECT refusing FROM test_triage_switch) = 1
                    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                    """, in: gateway.databasePath)
                let paired = try await gateway.dhoctl(["pair", Self.cuff.description, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the cuff's memory stored, held") {
                    let status = try await gateway.status()
                    return status["readingsStored"] as? Int == 2 && (status["queue"] as? [String: Any])?["held"] as? Int == 2
                }
                #expect(gateway.daemonLog.contains("reading stored but not yet triaged"))
                let database = GatewayDatabase(path: gateway.databasePath)
                #expect(try await database.read { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM triage_evaluations")
                } == 0)
                #expect(try await gateway.receiver.resources("Observation").isEmpty)

                try await Self.execute("UPDATE test_triage_switch SET refusing = 0", in: gateway.databasePath)
                #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT refusing FROM test_triage_switch") } == 0)
                try await gateway.waitUntil("the maintenance loop triaged and the forwarder delivered them") {
                    let status = try await gateway.status()
                    return (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                #expect(try await database.read { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM triage_evaluations")
                } == 2)
                // Forwarded with their triage zone, exactly once.
                let observations = try await gateway.receiver.resources("Observation")
                let zoned = observations.filter { resource in
                    ((resource["extension"] as? [[String: Any]]) ?? []).contains {
                        ($0["url"] as? String)?.hasSuffix("/triage-interpretation") == true
                    }
                }
                #expect(!zoned.isEmpty)
                #expect(try await gateway.receiver.stat("duplicates") == 0)
            }
        }
    }
}
