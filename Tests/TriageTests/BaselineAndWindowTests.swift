import Foundation
import HealthProfiles
import Testing
@testable import Triage

@Suite struct BaselineAndWindowTests {
    private let start = Oslo.date(2026, 3, 3, 8, 0)

    private func day(_ n: Double) -> Date { start.addingTimeInterval(n * 86_400) }

    @Test func baselineIsBuiltFromTheFirstFourteenDaysAndThenApplies() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        // 14 daily values 95/96/97 alternating: median 96. All green by absolute bounds (yellow below 92).
        let values = ["95", "96", "97", "96", "95", "96", "97", "96", "95", "96", "97", "96", "96", "96"]
        for (index, value) in values.enumerated() {
            let result = try await fixture.evaluate(Readings.spo2(value), at: day(Double(index)))
            #expect(result.assessments.first { $0.vital == .oxygenSaturation }?.baseline == nil)
        }
        #expect(try await fixture.triage.baselines().isEmpty)

        // Day 14: the period is over; 93 is green by absolute bounds but 3 below the habitual 96: yellow.
        let yellow = try await fixture.evaluate(Readings.spo2("93"), at: day(14))
        let assessment = try #require(yellow.assessments.first { $0.vital == .oxygenSaturation })
        #expect(assessment.baseline == 96)
        #expect(assessment.zone == .yellow)
        #expect(assessment.findings.map(\.kind) == [.baseline])
        #expect(TriageFHIR.interpretation(for: yellow)?.overall.coding.first?.code == "A")

        let baseline = try #require(try await fixture.triage.baselines().first)
        #expect(baseline.vital == .oxygenSaturation && baseline.sampleCount == 14 && baseline.statistic == .median)

        // 91: 5 below habitual → red (also yellow by absolute bound; the worst wins).
        let red = try await fixture.evaluate(Readings.spo2("91"), at: day(15))
        #expect(red.zone == .red)
        #expect(Set(red.assessments.first { $0.vital == .oxygenSaturation }?.findings.map(\.kind) ?? [])
            == [.baseline, .absolute])
        // The baseline is frozen: low values after the period do not move it.
        #expect(try await fixture.triage.baselines().first?.value == 96)
    }

    @Test func insufficientDataMeansNoBaselineRuleYet() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        // Only 5 reliable readings in 14 days (minimum 10), plus unreliable ones that must not count.
        for index in 0..<5 {
            try await fixture.evaluate(Readings.spo2("97"), at: day(Double(index * 3)))
            try await fixture.evaluate(Readings.spo2("99", flags: [.bodyMovement]), at: day(Double(index * 3) + 0.5))
        }
        // Day 15: a drop of 4 from 97 would be yellow, but there is no baseline yet.
        let early = try await fixture.evaluate(Readings.spo2("93"), at: day(15))
        #expect(early.zone == .green)
        #expect(early.assessments.first { $0.vital == .oxygenSaturation }?.baseline == nil)
        #expect(try await fixture.triage.baselines().isEmpty)

        // The period runs on until 10 reliable values exist; the 10th establishes it (median of 97×5, 93, 96×4).
        for index in 0..<4 {
            try await fixture.evaluate(Readings.spo2("96"), at: day(16 + Double(index)))
        }
        let baseline = try #require(try await fixture.triage.baselines().first)
        #expect(baseline.sampleCount == 10)
        #expect(baseline.value == 96.5)
    }

    /// The collection period starts at the first *reliable* value (triage answers "still collecting" from that
    /// value's time alone, without reading the values collected so far): unreliable readings before it neither
    /// start nor shorten it.
    @Test func collectionStartsAtTheFirstReliableValue() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        for index in 0..<4 {
            try await fixture.evaluate(Readings.spo2("99", flags: [.bodyMovement]), at: day(Double(index)))
        }
        // Days 4–17: 14 reliable values; 14 days after the first unreliable one, but not after the first reliable.
        for index in 4..<18 {
            let result = try await fixture.evaluate(Readings.spo2("96"), at: day(Double(index)))
            #expect(result.assessments.first { $0.vital == .oxygenSaturation }?.baseline == nil)
        }
        #expect(try await fixture.triage.baselines().isEmpty)

        try await fixture.evaluate(Readings.spo2("96"), at: day(18))
        let baseline = try #require(try await fixture.triage.baselines().first)
        #expect(baseline.periodStart == day(4))
        #expect(baseline.sampleCount == 14 && baseline.value == 96)
    }

    @Test func restartedBaselineIsCollectedAgainAndAudited() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        for index in 0..<14 { try await fixture.evaluate(Readings.spo2("96"), at: day(Double(index))) }
        try await fixture.evaluate(Readings.spo2("96"), at: day(14))
        #expect(try await fixture.triage.baselines().first?.value == 96)

        try await fixture.triage.restartBaseline(
            vital: .oxygenSaturation, collectingFrom: day(15), orderedBy: "dr-hansen", reason: "new inhaler")
        #expect(try await fixture.triage.baselines().isEmpty)
        #expect(try await fixture.triage.auditTrail(limit: 1).first?.action == "baseline-restarted")
        for index in 0..<14 { try await fixture.evaluate(Readings.spo2("93"), at: day(15 + Double(index))) }
        let result = try await fixture.evaluate(Readings.spo2("93"), at: day(29))
        #expect(try await fixture.triage.baselines().first?.value == 93)
        #expect(result.assessments.first { $0.vital == .oxygenSaturation }?.findings.contains { $0.kind == .baseline } == false)
    }

    @Test func baselineStatistics() {
        #expect(BaselineBuilder.statistic(.median, [3, 1, 2]) == 2)
        #expect(BaselineBuilder.statistic(.median, [4, 1, 2, 3]) == 2.5)
        #expect(BaselineBuilder.statistic(.mean, [1, 2, 6]) == 3)
    }

    @Test func weightGainOverThreeDays() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        #expect(try await fixture.evaluate(Readings.weight("80.3"), at: day(0)).zone == .green)
        #expect(try await fixture.evaluate(Readings.weight("81.0"), at: day(1)).zone == .green)
        // 82.3 − 80.3 = 2 exactly (not 1.99999…): yellow.
        let yellow = try await fixture.evaluate(Readings.weight("82.3"), at: day(2))
        #expect(yellow.zone == .yellow)
        #expect(yellow.assessments.first?.findings.first?.rule == "weight-gain-3d")
        #expect(yellow.assessments.first?.findings.first?.summary.contains("rose 2 kg within 3 days") == true)
        // 83.4 − 80.3 = 3.1 within 3 days: red.
        #expect(try await fixture.evaluate(Readings.weight("83.4"), at: day(2.9)).zone == .red)
    }

    @Test func weightGainOutsideTheWindowDoesNotCount() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        try await fixture.evaluate(Readings.weight("80"), at: day(0))
        try await fixture.evaluate(Readings.weight("81"), at: day(2))
        // Day 4: 80 is outside the 3-day window, 81 is the lowest inside: +1.5 → green.
        #expect(try await fixture.evaluate(Readings.weight("82.5"), at: day(4)).zone == .green)
    }

    @Test func weightInPoundsFeedsTheWindowInKilograms() async throws {
        let fixture = try await TriageFixture(start: start)
        try await fixture.install()
        try await fixture.evaluate(Readings.weight("176.4", unit: .pound), at: day(0))   // 80.01 kg
        // 182.0 lb = 82.55 kg: +2.54 kg → yellow.
        #expect(try await fixture.evaluate(Readings.weight("182.0", unit: .pound), at: day(1)).zone == .yellow)
    }
}
