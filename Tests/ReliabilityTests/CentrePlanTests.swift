import FHIRTestSupport
import Foundation
import GatewayTestSupport
import GRDB
import Testing

extension CentreFaults {
    /// Care plans set at the centre: the doctor orders and a second person verifies there (a CarePlan version and
    /// its Provenance on the centre's FHIR server); the hub fetches it, applies the same governance as a local
    /// change, installs or refuses it, tells the centre which (a Task), and never lets an unverified edit in.
    @Suite struct CentrePlanTests {
        static let oximeter = "00:A0:50:00:00:02"
        static let participantTypes = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"

        static func start() async throws -> GatewayHarness {
            try await GatewayHarness.start(carePlanSettings: ["source: centre", "poll-interval: 1s"])
        }

        /// A CarePlan for `patient` carrying `overrides` (YAML merged over the plan in force).
        static func carePlan(_ patient: String, overrides: String, id: String = "copd-plan") -> [String: Any] {
            [
                "resourceType": "CarePlan", "id": id, "status": "active", "intent": "order",
                "subject": ["reference": patient],
                "extension": [[
                    "url": "https://dho.example.no/fhir/StructureDefinition/dho-care-plan-overrides",
                    "valueAttachment": ["contentType": "application/yaml", "data": Data(overrides.utf8).base64EncodedString()],
                ]],
            ]
        }

        static func provenance(orderedBy: String?, verifiedBy: String?, reason: String = "14 days of readings reviewed") -> [String: Any] {
            var agents: [[String: Any]] = []
            if let orderedBy { agents.append(["type": ["coding": [["system": participantTypes, "code": "author"]]], "who": ["display": orderedBy]]) }
            if let verifiedBy { agents.append(["type": ["coding": [["system": participantTypes, "code": "verifier"]]], "who": ["display": verifiedBy]]) }
            return ["resourceType": "Provenance", "recorded": "2026-12-06T09:30:00+01:00", "reason": [["text": reason]], "agent": agents]
        }

        /// The patient's habitual SpO2 is 86-88 %: 86 is green for them, pulse up to 110 too.
        static let individualised = """
            name: KOLS – individuell plan (senter)
            template: false
            vitals:
              spo2:
                yellow: { below: 85 }
                red: { below: 80 }
              pulse:
                yellow: { below: 50, above: 110 }
                red: { below: 40, above: 130 }
            """

        static func activeVersion(_ gateway: GatewayHarness) async throws -> [String: Any] {
            (try await gateway.dhoctlJSON(["thresholds", "show"]) as? [String: Any])?["active"] as? [String: Any] ?? [:]
        }

        static func tasks(_ gateway: GatewayHarness) async throws -> [String: String] {
            var byFocus: [String: String] = [:]
            for task in try await gateway.receiver.resources("Task") {
                let focus = (task["focus"] as? [String: Any])?["reference"] as? String ?? "?"
                byFocus[focus] = task["status"] as? String
            }
            return byFocus
        }

        @Test func aPlanOrderedAndVerifiedAtTheCentreIsInstalledAndTriagesTheNextReading() async throws {
            let gateway = try await Self.start()
            try await withGateway("centre-plan", gateway) {
                let reference = try await gateway.receiver.publish(
                    carePlan: Self.carePlan(gateway.patientReference, overrides: Self.individualised),
                    provenance: Self.provenance(orderedBy: "Dr. Kari Nordmann", verifiedBy: "Sykepleier Ola Hansen"))
                try await gateway.waitUntil("the centre's plan in force") {
                    try await Self.activeVersion(gateway)["version"] as? Int == 2
                }
                let active = try await Self.activeVersion(gateway)
                #expect(active["orderedBy"] as? String == "Dr. Kari Nordmann" && active["verifiedBy"] as? String == "Sykepleier Ola Hansen", "\(active)")
                #expect(active["reason"] as? String == "14 days of readings reviewed")
                try await gateway.waitUntil("the centre told: completed") {
                    try await Self.tasks(gateway)[reference] == "completed"
                }
                let task = try #require(try await gateway.receiver.resources("Task").first)
                let output = (task["output"] as? [[String: Any]])?.first?["valueInteger"] as? Int
                #expect(output == 2, "\(task)")

                // Local changes are refused on such a hub, saying where the plan comes from.
                let file = gateway.directory.appendingPathComponent("local.yaml").path
                try "vitals:\n  spo2:\n    red: { below: 70 }\n".write(toFile: file, atomically: true, encoding: .utf8)
                let local = try await gateway.dhoctl(["thresholds", "propose", file, "--overrides", "--ordered-by", "Dr. A", "--reason", "x"])
                #expect(local.status != 0 && local.stderr.contains("from the follow-up centre"), "\(local.stderr)")

                // SpO2 86 % with pulse 104: red and yellow under the COPD template, green for this patient now.
                let paired = try await gateway.dhoctl(["pair", Self.oximeter, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the reading delivered") {
                    let observations = try await gateway.receiver.identifiers("Observation").count
                    let queue = try await gateway.status()["queue"] as? [String: Any]
                    return observations >= 1 && queue?["undelivered"] as? Int == 0
                }
                #expect(try await gateway.receiver.identifiers("Flag").isEmpty)
                let alerts = try await gateway.dhoctlJSON(["alerts", "list", "--all"]) as? [[String: Any]] ?? []
                #expect(alerts.isEmpty, "\(alerts)")

                // Polling is cheap: an unchanged answer is a 304.
                try await gateway.waitUntil("a 304") { try await gateway.receiver.planStats()["planNotModified"] ?? 0 > 0 }
            }
        }

        @Test func planVersionsThatBreakTheRulesAreRefusedAndThePlanInForceStays() async throws {
            let gateway = try await Self.start()
            try await withGateway("centre-plan-refused", gateway) {
                let patient = gateway.patientReference
                // 1. Ordered and "verified" by the same person, spelled differently.
                let sameperson = try await gateway.receiver.publish(
                    carePlan: Self.carePlan(patient, overrides: Self.individualised),
                    provenance: Self.provenance(orderedBy: "Dr. Kari Nordmann", verifiedBy: "dr  kari NORDMANN"))
                try await gateway.waitUntil("refused: the same person") { try await Self.tasks(gateway)[sameperson] == "rejected" }
                // 2. An edit saved at the centre without a new verification (the Provenance is for version 1).
                let unverified = try await gateway.receiver.publish(
                    carePlan: Self.carePlan(patient, overrides: Self.individualised), provenance: nil)
                try await gateway.waitUntil("refused: not verified") { try await Self.tasks(gateway)[unverified] == "rejected" }
                // 3. Verified, but not a valid plan: red above yellow.
                let invalid = try await gateway.receiver.publish(
                    carePlan: Self.carePlan(patient, overrides: "vitals:\n  spo2:\n    yellow: { below: 85 }\n    red: { below: 90 }\n"),
                    provenance: Self.provenance(orderedBy: "Dr. Kari Nordmann", verifiedBy: "Sykepleier Ola Hansen"))
                try await gateway.waitUntil("refused: invalid") { try await Self.tasks(gateway)[invalid] == "rejected" }

                #expect(try await Self.activeVersion(gateway)["version"] as? Int == 1)   // the template, still in force
                let reasons = try await gateway.receiver.resources("Task").reduce(into: [String: String]()) { result, task in
                    let focus = (task["focus"] as? [String: Any])?["reference"] as? String ?? "?"
                    result[focus] = (task["statusReason"] as? [String: Any])?["text"] as? String
                }
                #expect(reasons[sameperson]?.contains("must be verified by someone else") == true, "\(reasons)")
                #expect(reasons[unverified]?.contains("no Provenance records who ordered and verified \(unverified)") == true, "\(reasons)")
                #expect(reasons[invalid]?.contains("vitals.spo2.red.below") == true, "\(reasons)")
                // Each refusal is in the audit trail, once, however often the centre is polled.
                try await Task.sleep(for: .seconds(2))
                var configuration = Configuration()
                configuration.readonly = true
                let refusals = try await DatabaseQueue(path: gateway.databasePath, configuration: configuration).read { db in
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM triage_audit WHERE action = 'centre-plan-refused'")
                }
                #expect(refusals == 3)

                // 4. Ordered and verified properly: installed.
                let good = try await gateway.receiver.publish(
                    carePlan: Self.carePlan(patient, overrides: Self.individualised),
                    provenance: Self.provenance(orderedBy: "Dr. Kari Nordmann", verifiedBy: "Sykepleier Ola Hansen"))
                try await gateway.waitUntil("installed") { try await Self.tasks(gateway)[good] == "completed" }
                #expect(try await Self.activeVersion(gateway)["version"] as? Int == 2)
            }
        }
    }
}
