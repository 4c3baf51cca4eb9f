import Foundation
import GatewayTestSupport
import GRDB
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Faults {
    /// The forwarder's bookkeeping (claim, delivery mark, retry time) commits without its own fsync
    /// (`CommitDurability.bookkeeping`): a power cut may lose it, never a reading. A power cut is played by
    /// putting back, after a SIGKILL, a consistent copy of the database taken while the reading waited for the
    /// centre: the disk as it may be found when the delivery's claim and mark never reached it. The reading is
    /// sent again and the centre, which already has it, still holds it once.
    @Suite struct LostBookkeepingTests {
        // 37.6 and 37.7 °C, no time stamp
        static let scenario = Scenarios.thermometerHome(
            sends: [#"stored: ["04 78 01 00 FF 03", "04 79 01 00 FF 03"]"#, "disconnectAfterStored: true"])

        @Test func aDeliveryMarkLostInAPowerCutIsSentAgainAndTheCentreHoldsEachReadingOnce() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-lost-mark-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(
                scenario: try Scenarios.write(Self.scenario, in: work), forwardingBackoff: ("50ms", "300ms"),
                startDaemon: false)
            try await withGateway("lost-bookkeeping", gateway) {
                try await gateway.receiver.down()
                try await gateway.startDaemon()
                let paired = try await gateway.dhoctl(["pair", Scenarios.thermometer, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("both readings stored and a failed attempt to send them") {
                    let status = try await gateway.status()
                    let queue = status["queue"] as? [String: Any]
                    return status["readingsStored"] as? Int == 2 && (queue?["lastError"] as? String)?.isEmpty == false
                }
                // What a power cut may leave: every reading (durable commits), the bookkeeping up to some point.
                let snapshot = work.appendingPathComponent("before-delivery.sqlite").path
                try Self.copy(gateway.databasePath, to: snapshot)

                try await gateway.receiver.up()
                try await gateway.waitUntil("everything delivered") {
                    (try await gateway.status()["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                let delivered = try await gateway.receiver.identifiers("Observation")
                #expect(delivered.count >= 2, "\(delivered)")
                let foundBefore = try await gateway.receiver.stat("existing")

                // The power cut: the delivery's claim and mark never reached the disk.
                #expect(await gateway.stopDaemon(signal: SIGKILL) == SIGKILL)
                try Self.restore(snapshot, at: gateway.databasePath)
                try await gateway.startDaemon()
                #expect(try await gateway.status()["readingsStored"] as? Int == 2)
                try await gateway.waitUntil("the readings sent again and delivered") {
                    (try await gateway.status()["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                // Sent again (the centre found the readings' Observations it already had), each created once.
                #expect(try await gateway.receiver.stat("existing") >= foundBefore + 2)
                let after = try await gateway.receiver.identifiers("Observation")
                #expect(Set(delivered.keys).isSubset(of: Set(after.keys)), "\(after)")
                #expect(after.values.allSatisfy { $0 == 1 }, "\(after)")
                #expect(try await gateway.receiver.stat("duplicates") == 0)
            }
        }

        /// A consistent copy of the live database (SQLite's backup API, through a read-only connection: the daemon
        /// keeps writing meanwhile).
        static func copy(_ database: String, to copy: String) throws {
            var readOnly = Configuration()
            readOnly.readonly = true
            let source = try DatabaseQueue(path: database, configuration: readOnly)
            let destination = try DatabaseQueue(path: copy)
            try source.backup(to: destination)
            try destination.close()
            try source.close()
        }

        /// Puts `copy` in place of the stopped daemon's database, private as the store requires.
        static func restore(_ copy: String, at database: String) throws {
            for file in [database, database + "-wal", database + "-shm"] where FileManager.default.fileExists(atPath: file) {
                try FileManager.default.removeItem(atPath: file)
            }
            try FileManager.default.copyItem(atPath: copy, toPath: database)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: database)
        }
    }
}
