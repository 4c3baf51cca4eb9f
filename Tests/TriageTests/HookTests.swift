import Foundation
import GRDB
import HealthProfiles
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Triage

@Suite struct HookTests {
    @Test func hookGetsTheAlertAsJSONOnStdin() async throws {
        let directory = try TempDirectory()
        let fixture = try await TriageFixture(start: Oslo.date(2026, 3, 7, 11, 0), hook: try HookScripts.recorder(directory))
        try await fixture.install()
        let result = try await fixture.evaluate(Readings.spo2("85"))
        fixture.clock.advance(hours: 1)
        try await fixture.evaluate(Readings.spo2("97"))
        try await fixture.evaluate(Readings.spo2("80", flags: [.sensorDisplaced]))
        await fixture.triage.deliverPendingHooks()

        let payloads = try HookScripts.payloads(directory)
        #expect(payloads.map { $0["event"] as? String } == ["alert-raised", "alert-cleared", "control-measurement"])
        let raised = try #require(payloads.first)
        #expect(raised["alertID"] as? String == result.alertEvents.first?.alert.id)
        #expect(raised["zone"] as? String == "red")
        #expect(raised["previousZone"] as? String == "green")
        #expect(raised["afterHours"] as? Bool == true)
        #expect((raised["patientMessage"] as? String)?.contains("legevakt 116117") == true)
        #expect(payloads[1]["zone"] as? String == "green" && payloads[1]["patientMessage"] as? String == "GREEN-TEXT")
        #expect(payloads[2]["patientMessage"] as? String == "CONTROL-TEXT")
        #expect(payloads[2]["reasons"] as? [String] == ["sensor-displaced"])
        // No patient identifier goes to the hook.
        let raw = try String(contentsOf: directory.file("out-0.json"), encoding: .utf8)
        #expect(!raw.contains(TriageFixture.subject))
        #expect(try await fixture.hookRows().allSatisfy { $0.status == "delivered" })
    }

    @Test func hookThatOverrunsIsKilledWithItsChildren() async throws {
        let directory = try TempDirectory()
        let script = try HookScripts.make(directory, name: "slow-hook.sh", body: """
            echo $$ > "$1/shell.pid"
            sleep 60 &
            echo $! > "$1/child.pid"
            wait
            """)
        let fixture = try await TriageFixture(hook: HookCommand(executable: script, arguments: [directory.url.path],
                                                          timeout: .milliseconds(500)))
        try await fixture.install()
        try await fixture.evaluate(Readings.spo2("85"))
        await fixture.triage.deliverPendingHooks()

        let row = try #require(try await fixture.hookRows().first)
        #expect(row.status == "timed-out")
        #expect(row.lastError?.contains("killed after") == true)
        for name in ["shell.pid", "child.pid"] {
            let text = try String(contentsOf: directory.file(name), encoding: .utf8)
            let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            var dead = HookScripts.isDead(pid)
            for _ in 0..<100 where !dead {
                try await Task.sleep(for: .milliseconds(20))
                dead = HookScripts.isDead(pid)
            }
            #expect(dead, "\(name) \(pid) still running")
        }
        // The alert itself stands and its Flag waits in the outbox.
        #expect(try await fixture.triage.activeAlerts().count == 1)
        #expect(try await fixture.queuedFlags().count == 1)
    }

    @Test func failingHookIsRecordedAndLosesNothing() async throws {
        let directory = try TempDirectory()
        let script = try HookScripts.make(directory, name: "failing-hook.sh", body: "cat >/dev/null; echo boom >&2; exit 3")
        let fixture = try await TriageFixture(hook: HookCommand(executable: script, timeout: .seconds(20)))
        try await fixture.install()
        let result = try await fixture.evaluate(Readings.spo2("85"))
        await fixture.triage.deliverPendingHooks()

        let row = try #require(try await fixture.hookRows().first)
        #expect(row.status == "failed")
        #expect(row.lastError == "failing-hook.sh exited with status 3: boom")
        #expect(try await fixture.triage.activeAlerts().map(\.id) == result.alertEvents.map(\.alert.id))
        #expect(try await fixture.queuedFlags().map(\.status) == ["active"])

        // The next alert is still delivered to the hook (no wedged queue).
        fixture.clock.advance(hours: 1)
        try await fixture.evaluate(Readings.spo2("97"))
        await fixture.triage.deliverPendingHooks()
        #expect(try await fixture.hookRows().count == 2)
    }

    @Test func missingExecutableIsAFailureNotACrash() async throws {
        let directory = try TempDirectory()
        let fixture = try await TriageFixture(hook: HookCommand(executable: directory.file("no-such-hook"), timeout: .seconds(5)))
        try await fixture.install()
        try await fixture.evaluate(Readings.spo2("85"))
        await fixture.triage.deliverPendingHooks()
        let row = try #require(try await fixture.hookRows().first)
        #expect(row.status == "failed")
        #expect(row.lastError?.hasPrefix("cannot start") == true)
    }

    @Test func pendingHookSurvivesARestart() async throws {
        let directory = try TempDirectory()
        let hook = try HookScripts.recorder(directory)
        let databaseDirectory = try TempDirectory()
        // First run has no hook configured… then a queued event is written as if the daemon died before delivery.
        var fixture = try await TriageFixture(hook: hook, directory: databaseDirectory)
        try await fixture.install()
        try await fixture.database.write { db in
            try db.execute(sql: """
                INSERT INTO triage_hook_queue (event, payload_json, status, created_at)
                VALUES ('alert-raised', '{"event":"alert-raised","zone":"red"}', 'pending', 0)
                """)
        }
        try await fixture.reopen()
        await fixture.triage.resumeHookDeliveries()
        await fixture.triage.deliverPendingHooks()
        #expect(try HookScripts.payloads(directory).first?["zone"] as? String == "red")
    }
}
