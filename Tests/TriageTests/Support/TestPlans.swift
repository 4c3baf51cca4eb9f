import Foundation

/// Care plans for tests. Texts are markers so that assertions can tell exactly which text was chosen.
enum TestPlans {
    static let standard = """
        name: Test plan
        template: false
        vitals:
          spo2: {unit: "%", yellow: {below: 92}, red: {below: 88}}
          pulse: {unit: /min, yellow: {below: 50, above: 100}, red: {below: 40, above: 120}}
          systolic: {unit: "mm[Hg]", yellow: {below: 100, above: 160}, red: {below: 90, above: 180}}
          diastolic: {unit: "mm[Hg]", yellow: {above: 100}, red: {above: 110}}
          glucose: {unit: mmol/L, yellow: {below: 4.0, above: 15}, red: {below: 3.0, above: 20}}
          temperature: {unit: Cel, yellow: {above: 37.9}, red: {above: 38.9}}
        baseline:
          days: 14
          minimum-readings: 10
          statistic: median
          changes:
            spo2: {direction: drop, unit: "%", yellow: {at-least: 3}, red: {at-least: 5}}
        window-changes:
          weight-gain-3d: {vital: weight, direction: rise, days: 3, unit: kg, yellow: {at-least: 2}, red: {at-least: 3}}
        schedules:
          spo2-daily: {vitals: [spo2], due-by: "12:00", zone: yellow}
        opening-hours:
          time-zone: Europe/Oslo
          days: [mon, tue, wed, thu, fri]
          open: "09:00"
          close: "15:00"
          closed-dates: ["2026-05-14"]
        texts:
          green: GREEN-TEXT
          yellow: YELLOW-TEXT
          yellow-after-hours: YELLOW-AFTER-HOURS
          red: RED-TEXT
          red-in-hours: RED-IN-HOURS
          red-after-hours: "Ring fastlegen, legevakt 116117 eller 113 ved akutt fare"
          control-measurement: CONTROL-TEXT
          not-measured: NOT-MEASURED
        """

    /// `standard` with one line replaced, for validation tests.
    static func standard(replacing old: String, with new: String) -> String {
        standard.replacingOccurrences(of: old, with: new)
    }

    /// The repository's profiles/care directory.
    static var careDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("profiles/care")
    }
}
