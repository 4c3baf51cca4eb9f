import Foundation
import HealthProfiles
import Testing
@testable import Triage

@Suite struct GovernanceTests {
    @Test func installCreatesVersionOneOnce() async throws {
        let fixture = try await TriageFixture()
        let first = try await fixture.install()
        #expect(first.version == 1 && first.status == .active && first.orderedBy == "tech-1")
        let audit = try await fixture.triage.auditTrail(limit: 10)
        #expect(audit.map(\.action) == ["installed-from-template"])
        #expect(audit.first?.actor == "tech-1")
        // A second start with other files on disk changes nothing: the database is authoritative.
        let second = try await fixture.triage.installPlanIfNeeded(
            try CarePlanDocument.load(template: TestPlans.careDirectory.appendingPathComponent("copd.yaml")),
            installedBy: "tech-2", source: "copd.yaml")
        #expect(second.version == 1 && second.planName == "Test plan")
        #expect(try await fixture.triage.planHistory().count == 1)
    }

    @Test func changeNeedsADifferentVerifierAndThenTakesEffect() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        #expect(try await fixture.evaluate(Readings.spo2("90")).zone == .yellow)

        let proposal = try await fixture.triage.proposeChange(
            planYAML: "vitals:\n  spo2:\n    yellow: {below: 90}\n    red: {below: 86}\n",
            orderedBy: "dr-hansen", reason: "habitual SpO2 is 91 %", operatorUID: 1001, mode: .overridesOnActivePlan)
        #expect(proposal.status == .pending && proposal.basedOnVersion == 1)
        #expect(proposal.summary == "vitals.spo2.red.below: 88 -> 86\nvitals.spo2.yellow.below: 92 -> 90")
        // Still the old plan until verified.
        #expect(try await fixture.evaluate(Readings.spo2("90")).planVersion == 1)

        await #expect(throws: TriageError.verifierMustDiffer(version: 2, person: "dr-hansen", verifier: "Dr-Hansen")) {
            try await fixture.triage.verifyChange(version: 2, verifiedBy: " Dr-Hansen ", operatorUID: 1002)
        }
        #expect(try await fixture.triage.activePlan()?.version.version == 1)

        fixture.clock.advance(hours: 2)
        let verified = try await fixture.triage.verifyChange(version: 2, verifiedBy: "nurse-berg", operatorUID: 1002)
        #expect(verified.status == .active && verified.verifiedBy == "nurse-berg" && verified.verifiedAt == fixture.clock.now)

        let result = try await fixture.evaluate(Readings.spo2("90"))
        #expect(result.planVersion == 2 && result.zone == .green)
        #expect(try await fixture.evaluate(Readings.spo2("85")).zone == .red)

        let history = try await fixture.triage.planHistory()
        #expect(history.map(\.status) == [.superseded, .active])
        let audit = try await fixture.triage.auditTrail(limit: 10)
        #expect(audit.map(\.action) == ["change-verified", "change-proposed", "installed-from-template"])
        let verifiedEntry = try #require(audit.first)
        #expect(verifiedEntry.orderedBy == "dr-hansen" && verifiedEntry.verifiedBy == "nurse-berg")
        #expect(verifiedEntry.at == fixture.clock.now && verifiedEntry.version == 2)
        #expect(verifiedEntry.details.contains("vitals.spo2.red.below: 88 -> 86"))

        await #expect(throws: TriageError.versionNotPending(version: 2, status: "active")) {
            try await fixture.triage.verifyChange(version: 2, verifiedBy: "someone-else", operatorUID: 1002)
        }
        await #expect(throws: TriageError.unknownVersion(9)) {
            try await fixture.triage.verifyChange(version: 9, verifiedBy: "someone-else", operatorUID: 1002)
        }
    }

    @Test func theVerifierMustBeAnotherNameAndAnotherOSUserAndBothUIDsAreAudited() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let proposal = try await fixture.triage.proposeChange(
            planYAML: "vitals:\n  spo2:\n    red: {below: 86}\n", orderedBy: "Dr Hansen", reason: "habitual SpO2 is 91 %",
            operatorUID: 1001, mode: .overridesOnActivePlan)
        #expect(proposal.orderedByUID == 1001)
        // The same name in look-alike letters, from another account: refused, saying why.
        do {
            try await fixture.triage.verifyChange(version: 2, verifiedBy: "Dr H\u{0430}nsen", operatorUID: 1002)
            Issue.record("a look-alike name verified the change")
        } catch let error as TriageError {
            #expect(error.description.contains("look-alike"), "\(error)")
        }
        // Another name from the orderer's account: refused.
        await #expect(throws: TriageError.verifierMustBeAnotherUser(version: 2, uid: 1001)) {
            try await fixture.triage.verifyChange(version: 2, verifiedBy: "Nurse Berg", operatorUID: 1001)
        }
        #expect(try await fixture.triage.activePlan()?.version.version == 1)

        let verified = try await fixture.triage.verifyChange(version: 2, verifiedBy: "Nurse Berg", operatorUID: 1002)
        #expect(verified.verifiedByUID == 1002 && verified.orderedByUID == 1001)
        let audit = try await fixture.triage.auditTrail(limit: 2)
        #expect(audit.map(\.action) == ["change-verified", "change-proposed"])
        #expect(audit[0].uids == AuditUIDs(actor: 1002, orderedBy: 1001, verifiedBy: 1002))
        #expect(audit[1].uids == AuditUIDs(actor: 1001, orderedBy: 1001))
        #expect(try await fixture.triage.planHistory().last?.verifiedByUID == 1002)
    }

    @Test func invalidProposalIsRefusedWithItsPlace() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        do {
            try await fixture.triage.proposeChange(
                planYAML: "vitals:\n  spo2:\n    red: {below: 95}\n", orderedBy: "dr-hansen", reason: "x", operatorUID: 1001,
                mode: .overridesOnActivePlan)
            Issue.record("an invalid proposal was accepted")
        } catch let TriageError.invalidPlan(error) {
            #expect(error.source == "proposal 2" && error.keyPath == "vitals.spo2.red.below" && error.line == 3)
        }
        await #expect(throws: TriageError.missingReason) {
            try await fixture.triage.proposeChange(planYAML: TestPlans.standard, orderedBy: "dr-hansen", reason: " ", operatorUID: 1001)
        }
        await #expect(throws: TriageError.missingPerson(role: "ordering doctor")) {
            try await fixture.triage.proposeChange(planYAML: TestPlans.standard, orderedBy: "", reason: "x", operatorUID: 1001)
        }
        #expect(try await fixture.triage.planHistory().count == 1)
    }

    @Test func completePlanProposalAndRejection() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        let yaml = TestPlans.standard(replacing: "name: Test plan", with: "name: Individual plan")
        let proposal = try await fixture.triage.proposeChange(planYAML: yaml, orderedBy: "dr-a", reason: "individualised", operatorUID: 1001)
        #expect(proposal.summary == "name: Test plan -> Individual plan")
        let rejected = try await fixture.triage.rejectChange(version: proposal.version, rejectedBy: "nurse-b", reason: "typo", operatorUID: 1002)
        #expect(rejected.status == .rejected)
        #expect(try await fixture.triage.activePlan()?.version.version == 1)
        #expect(try await fixture.triage.auditTrail(limit: 1).first?.action == "change-rejected")
    }

    @Test func databaseRefusesSamePersonEvenPastTheAPI() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        try await fixture.triage.proposeChange(planYAML: TestPlans.standard, orderedBy: "dr-a", reason: "x", operatorUID: 1001)
        await #expect(throws: (any Error).self) {
            try await fixture.database.write { db in
                try db.execute(sql: "UPDATE triage_plan_versions SET verified_by = 'DR-A' WHERE version = 2")
            }
        }
    }

    @Test func forgetPatientLeavesNothingBehind() async throws {
        let fixture = try await TriageFixture()
        try await fixture.install()
        try await fixture.evaluate(Readings.spo2("85"))
        #expect(try await fixture.queuedFlags().count == 1)
        try await fixture.triage.forgetPatient()
        #expect(try await fixture.triage.activePlan() == nil)
        #expect(try await fixture.triage.alertHistory(limit: 10).isEmpty)
        #expect(try await fixture.triage.auditTrail(limit: 10).isEmpty)
        #expect(try await fixture.queuedFlags().isEmpty)
        let values = try await fixture.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM triage_values") }
        #expect(values == 0)
        // The hub can be installed for the next patient.
        #expect(try await fixture.install().version == 1)
    }
}
