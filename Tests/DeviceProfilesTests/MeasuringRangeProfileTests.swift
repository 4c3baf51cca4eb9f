import HealthProfiles
import Testing
@testable import DeviceProfiles

/// `measuring_range`: what a glucometer can quantify; a result beyond it arrives as LO / HI.
@Suite struct MeasuringRangeProfileTests {
    static let meter = """
        id: meter
        name: Meter
        service: "1808"
        bonding_required: true
        characteristics:
          - uuid: "2A18"
            mode: notify
            required: true
          - uuid: "2A52"
            mode: control-point
            required: true
        racp: true
        """

    func problems(_ yaml: String) -> [DeviceProfileError] {
        do {
            _ = try DeviceProfileParser.parse(yaml: yaml, file: "meter.yaml")
            return []
        } catch {
            return error.errors
        }
    }

    @Test func aGlucoseProfileStatingNoneHasTheCommonRange() throws {
        #expect(try DeviceProfileParser.parse(yaml: Self.meter, file: "meter.yaml").measuringRange == .commonGlucose)
        let catalog = try DeviceProfileCatalog.load(directory: repositoryProfiles)
        #expect(catalog.profile(id: "glucose")?.measuringRange == .commonGlucose)
        #expect(catalog.profile(id: "blood-pressure")?.measuringRange == nil)
    }

    @Test func aStatedRangeIsKeptInItsUnit() throws {
        let instant = try DeviceProfileParser.parse(yaml: Self.meter + "\nmeasuring_range: {low: 10 mg/dL, high: 600 mg/dL}\n", file: "meter.yaml")
        #expect(instant.measuringRange == MeasuringRange(low: DecimalNumber(10), high: DecimalNumber(600), unit: .milligramPerDecilitre))
        let molar = try DeviceProfileParser.parse(yaml: Self.meter + "\nmeasuring_range:\n  low: 0.6 mmol/L\n  high: 33.3 mmol/L\n", file: "meter.yaml")
        #expect(molar.measuringRange?.qualifierText == "0.6-33.3 mmol/L")
    }

    @Test func aRangeBeyondItsHardLimitsOrMalformedIsRefusedWithKeyAndLine() {
        let beyond = problems(Self.meter + "\nmeasuring_range: {low: 80 mg/dL, high: 2000 mg/dL}\n")
        #expect(beyond.map(\.keyPath) == ["measuring_range.low", "measuring_range.high"])
        #expect(beyond.first?.problem == .invalidValue("must be between 5 and 60 mg/dL (got 80 mg/dL)"))
        #expect(beyond.first?.line == 13)
        let noUnit = problems(Self.meter + "\nmeasuring_range: {low: 20, high: 600 mg/dL}\n")
        #expect(noUnit.map(\.keyPath) == ["measuring_range.low"])
        #expect(noUnit.first?.problem == .invalidValue("must be a number and a unit, mg/dL or mmol/L (\"20 mg/dL\"; got \"20\")"))
        let mixed = problems(Self.meter + "\nmeasuring_range: {low: 20 mg/dL, high: 33.3 mmol/L}\n")
        #expect(mixed.first?.problem == .invalidValue("must be in the same unit as low (mg/dL)"))
        #expect(problems(Self.meter + "\nmeasuring_range: {low: 20 mg/dL}\n").map(\.keyPath) == ["measuring_range.high"])
        #expect(problems(Self.meter + "\nmeasuring_range: {low: 20 mg/dL, high: 600 mg/dL, unit: x}\n").map(\.keyPath)
            == ["measuring_range.unit"])
    }

    @Test func onlyAGlucoseProfileHasAMeasuringRange() {
        let cuff = Self.meter.replacingOccurrences(of: "\"1808\"", with: "\"1810\"")
            .replacingOccurrences(of: "\"2A18\"", with: "\"2A35\"").replacingOccurrences(of: "mode: notify", with: "mode: indicate")
            .replacingOccurrences(of: "  - uuid: \"2A52\"\n    mode: control-point\n    required: true\n", with: "")
            .replacingOccurrences(of: "racp: true", with: "racp: false")
        #expect(problems(cuff) == [])
        #expect(problems(cuff + "\nmeasuring_range: {low: 20 mg/dL, high: 600 mg/dL}\n").map(\.keyPath) == ["measuring_range"])
    }
}
