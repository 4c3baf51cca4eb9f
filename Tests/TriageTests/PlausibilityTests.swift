import HealthProfiles
import Testing
@testable import Triage

@Suite struct NumberTextTests {
    @Test func extremeExponentsAreWrittenOutNeverCut() {
        #expect(NumberText.format(3.7e129) == "3.7e129")
        #expect(NumberText.format(-3.7e129) == "-3.7e129")
        #expect(NumberText.format(1e-120) == "1e-120")
        #expect(NumberText.format(0.0001) == "0.0001")
        #expect(NumberText.format(123_456_789) == "123456789")
        #expect(NumberText.format(1e21) == "1e21")
        #expect(NumberText.format(1e20) == "100000000000000000000")
    }

    @Test func everyTextReadsBackAsTheSameNumber() {
        for value in [3.7e129, 1e-120, 0.0001, 123_456_789, 36.7, -0.5, Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude, 2.5e-7] {
            #expect(Double(NumberText.format(value, decimals: nil)) == value, "\(value)")
        }
    }

    @Test func ordinaryValuesKeepTwoDecimals() {
        #expect(NumberText.format(86) == "86")
        #expect(NumberText.format(37.8) == "37.8")
        #expect(NumberText.format(2.054) == "2.05")
        #expect(NumberText.format(-0.5) == "-0.5")
        #expect(NumberText.format(0) == "0")
    }

    @Test func deviceDecimalsAreExact() {
        #expect(NumberText.exact(DecimalNumber(mantissa: 3_700_000, exponent: 123)) == "3.7e129")
        #expect(NumberText.exact(DecimalNumber(mantissa: 367, exponent: -1)) == "36.7")
        #expect(NumberText.exact(DecimalNumber(mantissa: 1, exponent: -120)) == "1e-120")
        #expect(NumberText.exact(DecimalNumber(mantissa: 1200, exponent: -1)) == "120")
        #expect(NumberText.exact(DecimalNumber(mantissa: -5, exponent: -3)) == "-0.005")
    }

    @Test func anAbsoluteBoundSummaryKeepsTheExponent() throws {
        let bounds = AbsoluteBounds(vital: .bodyTemperature, unit: .celsius, yellow: .init(above: 37.9), red: .init(above: 38.9))
        let finding = try #require(RuleEvaluator.absolute(bounds, value: 3.7e129))
        #expect(finding.summary == "temperature 3.7e129 °C above red bound 38.9 °C", "\(finding.summary)")
    }
}

@Suite struct PlausibilityTests {
    func thermometer(_ value: DecimalNumber, _ unit: UCUMUnit = .celsius) -> Reading {
        Reading(kind: .bodyTemperature, characteristic: 0x2A1C, components: [ReadingComponent(.bodyTemperature, .number(value), unit)])
    }

    @Test func anImpossibleTemperatureIsWithheldAndFlagged() {
        let (reading, implausible) = PlausibilityRanges().screened(thermometer(DecimalNumber(mantissa: 3_700_000, exponent: 123)))
        #expect(implausible.map(\.vital) == [.bodyTemperature])
        #expect(reading.components[0].value == .absent(.error))
        #expect(reading.flags.contains(.implausibleValue))
        #expect(!reading.isReliable)
        #expect(reading.qualifiers[ReadingQualifier.implausibleValues] == "temperature 3.7e129 Cel")
    }

    @Test func valuesAreJudgedInTheCanonicalUnit() {
        let ranges = PlausibilityRanges()
        #expect(ranges.screened(thermometer(DecimalNumber(mantissa: 986, exponent: -1), .fahrenheit)).implausible.isEmpty)
        #expect(!ranges.screened(thermometer(DecimalNumber(mantissa: 986, exponent: -1))).implausible.isEmpty)  // 98.6 °C
        let glucose = { (mgdl: Int) in
            Reading(kind: .glucose, characteristic: 0x2A18,
                    components: [ReadingComponent(.glucose, .number(DecimalNumber(mgdl)), .milligramPerDecilitre)])
        }
        #expect(ranges.screened(glucose(90)).implausible.isEmpty)       // 5 mmol/L
        #expect(!ranges.screened(glucose(2000)).implausible.isEmpty)    // 111 mmol/L
        #expect(ranges.screened(thermometer(DecimalNumber(mantissa: 372, exponent: -1))).reading
            == thermometer(DecimalNumber(mantissa: 372, exponent: -1)))
    }

    @Test func configuredRangesStayWithinWhatIsPhysicallyPossible() throws {
        let narrowed = try PlausibilityRanges(overrides: [.bodyTemperature: (min: 32, max: 43)])
        #expect(narrowed.ranges[.bodyTemperature] == 32...43)
        #expect(throws: PlausibilityError.beyondHardLimits(10...50)) {
            try PlausibilityRanges(overrides: [.bodyTemperature: (min: 30, max: 1e129)])
        }
        #expect(throws: PlausibilityError.beyondHardLimits(0...100)) {
            try PlausibilityRanges(overrides: [.oxygenSaturation: (min: 50, max: 101)])
        }
        #expect(throws: PlausibilityError.empty(min: 43, max: 32)) {
            try PlausibilityRanges(overrides: [.bodyTemperature: (min: 43, max: 32)])
        }
        #expect(throws: PlausibilityError.notChecked(.impedance)) {
            try PlausibilityRanges(overrides: [.impedance: (min: 1, max: 2)])
        }
        // Every default lies within its hard limits.
        for (vital, range) in PlausibilityRanges.defaults {
            let limit = try #require(PlausibilityRanges.hardLimits[vital])
            #expect(limit.contains(range.lowerBound) && limit.contains(range.upperBound), "\(vital)")
        }
    }

    @Test func aContinuousOximetersAveragesAreScreenedToo() {
        let reading = Reading(
            kind: .continuousOximetry, characteristic: 0x2A5F,
            components: [ReadingComponent(.oxygenSaturation, .number(DecimalNumber(97)), .percent)],
            qualifiers: [ReadingQualifier.spo2Fast: "250", ReadingQualifier.pulseSlow: "72"])
        let (screened, implausible) = PlausibilityRanges().screened(reading)
        #expect(implausible.map(\.vital) == [.oxygenSaturation])
        #expect(screened.qualifiers[ReadingQualifier.spo2Fast] == nil)
        #expect(screened.qualifiers[ReadingQualifier.pulseSlow] == "72")
        #expect(screened.components[0].value == .number(DecimalNumber(97)))
    }
}
