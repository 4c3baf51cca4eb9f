import Foundation
import HealthProfiles
import Testing
@testable import Triage

/// The shipped templates are the starting point on every hub: they must load, and overrides must merge.
@Suite struct CarePlanTemplateTests {
    @Test(arguments: ["copd.yaml", "heart-failure.yaml", "diabetes.yaml", "hypertension.yaml"])
    func shippedTemplateIsValid(_ name: String) throws {
        let document = try CarePlanDocument.load(template: TestPlans.careDirectory.appendingPathComponent(name))
        let plan = document.plan
        #expect(plan.isTemplate)
        #expect(plan.name.contains("(mal)"))
        #expect(plan.texts.redAfterHours.contains("116117"))
        #expect(plan.texts.redAfterHours.contains("113"))
        #expect(plan.openingHours.timeZoneIdentifier == "Europe/Oslo")
        #expect(!plan.schedules.isEmpty)
        // The stored form of a version must read back to the same plan.
        #expect(try CarePlanDocument.parse(yaml: document.yamlText(), source: "round-trip").plan == plan)
    }

    @Test func heartFailureHasWeightGainRule() throws {
        let plan = try CarePlanDocument.load(template: TestPlans.careDirectory.appendingPathComponent("heart-failure.yaml")).plan
        let rule = try #require(plan.windowChanges.first { $0.id == "weight-gain-3d" })
        #expect(rule.windowHours == 72 && rule.thresholds.yellow == 2 && rule.direction == .rise)
    }

    @Test func overridesMergeOverTemplate() throws {
        let document = try CarePlanDocument.load(
            template: TestPlans.careDirectory.appendingPathComponent("copd.yaml"),
            overrides: TestPlans.careDirectory.appendingPathComponent("overrides.example.yaml"))
        let plan = document.plan
        #expect(!plan.isTemplate)
        #expect(plan.absoluteBounds[.oxygenSaturation]?.yellow.below == 90)
        #expect(plan.absoluteBounds[.oxygenSaturation]?.red.below == 86)
        #expect(plan.absoluteBounds[.oxygenSaturation]?.unit == .percent)       // kept from the template
        #expect(plan.absoluteBounds[.systolicPressure] == nil)                   // removed by null
        #expect(plan.absoluteBounds[.pulseRate]?.red.above == 120)               // untouched
        #expect(plan.schedules.first?.dueBy.description == "11:00")             // scalar replaced
        #expect(plan.schedules.first?.weekdays.count == 7)                      // sibling kept
        #expect(document.changes(from: try CarePlanDocument.load(
            template: TestPlans.careDirectory.appendingPathComponent("copd.yaml"))).contains(
                "vitals.spo2.red.below: 88 -> 86"))
    }
}
