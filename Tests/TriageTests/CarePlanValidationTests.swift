import Foundation
import HealthProfiles
import Testing
@testable import Triage

@Suite struct CarePlanValidationTests {
    private func error(_ yaml: String, source: String = "plan.yaml") -> CarePlanError? {
        do {
            _ = try CarePlanDocument.parse(yaml: yaml, source: source)
            return nil
        } catch {
            return error
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anchorsAndAliasesAreRefusedInPlansAndOverrides() throws {
        var bomb = ""
        for (index, name) in "abcdefghij".enumerated() {
            let items = index == 0 ? Array(repeating: "x", count: 9) : Array(repeating: "*" + String(Array("abcdefghij")[index - 1]), count: 9)
            bomb += "\(name): &\(name) [" + items.joined(separator: ", ") + "]\n"
        }
        bomb += "? *j\n: 1\n"
        let failure = try #require(error(bomb))
        #expect(failure.line == 1 && failure.message == "anchors and aliases (&name, *name) are not supported")
        let document = try CarePlanDocument.parse(yaml: TestPlans.standard, source: "plan.yaml")
        #expect(throws: CarePlanError.self) {
            try document.merging(overridesYAML: "name: &n KOLS\ntemplate: false\nx: *n\n", source: "proposal")
        }
    }

    @Test func standardTestPlanIsValid() throws {
        let plan = try CarePlanDocument.parse(yaml: TestPlans.standard, source: "plan.yaml").plan
        #expect(plan.absoluteBounds[.oxygenSaturation]?.red.below == 88)
        #expect(plan.baseline?.changes[.oxygenSaturation]?.thresholds.yellow == 3)
        #expect(plan.windowChanges.first?.windowHours == 72)
        #expect(plan.schedules.first?.dueBy.description == "12:00")
        #expect(plan.openingHours.closedDates.contains(LocalDate("2026-05-14") ?? LocalDate(year: 1, month: 1, day: 1)))
    }

    @Test func unknownKeyNamesFileLineAndKeyPath() throws {
        let yaml = TestPlans.standard(replacing: "spo2: {unit: \"%\", yellow: {below: 92}, red: {below: 88}}",
                                      with: "spo2: {unit: \"%\", yellow: {below: 92}, red: {below: 88}, orange: {below: 90}}")
        let failure = try #require(error(yaml))
        #expect(failure.source == "plan.yaml")
        #expect(failure.keyPath == "vitals.spo2.orange")
        #expect(failure.line == 4)
        #expect(failure.description.hasPrefix("plan.yaml:4: vitals.spo2.orange: unknown key"))
    }

    @Test func yellowMustBeMilderThanRed() throws {
        let low = try #require(error(TestPlans.standard(replacing: "red: {below: 88}", with: "red: {below: 93}")))
        #expect(low.keyPath == "vitals.spo2.red.below")
        #expect(low.message.contains("lower than yellow.below"))

        let high = try #require(error(TestPlans.standard(
            replacing: "yellow: {above: 100}, red: {above: 110}", with: "yellow: {above: 100}, red: {above: 100}")))
        #expect(high.keyPath == "vitals.diastolic.red.above")

        let change = try #require(error(TestPlans.standard(
            replacing: "yellow: {at-least: 3}, red: {at-least: 5}", with: "yellow: {at-least: 5}, red: {at-least: 3}")))
        #expect(change.keyPath == "baseline.changes.spo2.red.at-least")
    }

    @Test func unitMustBeTheCanonicalOne() throws {
        let failure = try #require(error(TestPlans.standard(
            replacing: "glucose: {unit: mmol/L", with: "glucose: {unit: mg/dL")))
        #expect(failure.keyPath == "vitals.glucose.unit")
        #expect(failure.message.contains("must be \"mmol/L\""))
    }

    @Test func windowsAndPeriodsMustBePositive() throws {
        let window = try #require(error(TestPlans.standard(replacing: "days: 3,", with: "days: -3,")))
        #expect(window.keyPath == "window-changes.weight-gain-3d.days")
        #expect(window.message.contains("positive"))
        let baseline = try #require(error(TestPlans.standard(replacing: "days: 14", with: "days: 0")))
        #expect(baseline.keyPath == "baseline.days")
    }

    @Test func textsAreRequiredAndNotBlank() throws {
        let missing = try #require(error(TestPlans.standard(replacing: "  control-measurement: CONTROL-TEXT\n", with: "")))
        #expect(missing.keyPath == "texts")
        #expect(missing.message.contains("control-measurement"))
        let blank = try #require(error(TestPlans.standard(replacing: "red: RED-TEXT", with: "red: \"  \"")))
        #expect(blank.keyPath == "texts.red")
    }

    @Test func otherMistakesAreNamed() throws {
        #expect(error(TestPlans.standard(replacing: "Europe/Oslo", with: "Europe/Atlantis"))?.keyPath
            == "opening-hours.time-zone")
        #expect(error(TestPlans.standard(replacing: "due-by: \"12:00\"", with: "due-by: \"25:00\""))?.keyPath
            == "schedules.spo2-daily.due-by")
        #expect(error(TestPlans.standard(replacing: "days: [mon, tue,", with: "days: [monday, tue,"))?.keyPath
            == "opening-hours.days[0]")
        #expect(error(TestPlans.standard(replacing: "vitals: [spo2]", with: "vitals: [oxygen]"))?.keyPath
            == "schedules.spo2-daily.vitals[0]")
        #expect(error(TestPlans.standard(replacing: "  spo2: {unit", with: "  height: {unit"))?.keyPath == "vitals.height")
        #expect(error(TestPlans.standard(replacing: "template: false", with: "template: maybe"))?.keyPath == "template")
        #expect(error(TestPlans.standard(replacing: "red: {below: 88}", with: "red: {below: eighty}"))?.keyPath
            == "vitals.spo2.red.below")
        // Duplicate keys are refused by the YAML parser itself.
        #expect(error(TestPlans.standard + "\nname: again\n")?.message.contains("duplicated") == true)
        #expect(error("")?.message == "is empty")
    }

    @Test func overrideErrorsNameTheOverrideFile() throws {
        let directory = try TempDirectory()
        let template = directory.file("copd.yaml"), overrides = directory.file("patient.yaml")
        try TestPlans.standard.write(to: template, atomically: true, encoding: .utf8)
        try "vitals:\n  spo2:\n    red: {below: 95}\n".write(to: overrides, atomically: true, encoding: .utf8)
        #expect {
            try CarePlanDocument.load(template: template, overrides: overrides)
        } throws: { error in
            let failure = error as? CarePlanError
            return failure?.source == "patient.yaml" && failure?.line == 3 && failure?.keyPath == "vitals.spo2.red.below"
        }
        try "vitals:\n  spo2:\n    yelow: {below: 95}\n".write(to: overrides, atomically: true, encoding: .utf8)
        #expect {
            try CarePlanDocument.load(template: template, overrides: overrides)
        } throws: { error in
            (error as? CarePlanError)?.description.hasPrefix("patient.yaml:3: vitals.spo2.yelow: unknown key") == true
        }
    }
}
