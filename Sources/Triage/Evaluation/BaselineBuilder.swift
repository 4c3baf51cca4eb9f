public import Foundation
public import HealthProfiles

/// A patient's habitual value for one vital, built once from the first days of reliable readings.
public struct Baseline: Sendable, Hashable, Codable {
    public var vital: VitalSign
    public var value: Double
    public var statistic: BaselineStatistic
    public var sampleCount: Int
    public var periodStart: Date
    public var periodEnd: Date
    public var establishedAt: Date
}

/// Decides whether a baseline can be established and computes it.
///
/// The collection period starts at the first reliable value of the vital (or where a doctor restarted it)
/// and lasts `days`. If it holds fewer than `minimumReadings` values, it runs on until that many exist.
/// The baseline is established once the nominal period is over and enough values exist, and is then frozen:
/// a patient who slowly deteriorates must not drag the habitual value along. It is rebuilt only when a
/// doctor orders a restart (`Triage.restartBaseline`).
enum BaselineBuilder {
    /// - Parameters:
    ///   - values: reliable (time, value) pairs from the start of collection, in time order.
    ///   - now: measurement time of the reading being triaged.
    static func establish(
        vital: VitalSign, values: [(time: Date, value: Double)], settings: BaselineSettings,
        collectFrom: Date?, now: Date
    ) -> Baseline? {
        guard let first = values.first else { return nil }
        let start = collectFrom ?? first.time
        guard !isCollecting(periodStart: start, settings: settings, now: now) else { return nil }
        let nominalEnd = nominalEnd(periodStart: start, settings: settings)
        var period = values.filter { $0.time >= start && $0.time < nominalEnd }
        var end = nominalEnd
        if period.count < settings.minimumReadings {
            let later = values.filter { $0.time >= start }
            guard later.count >= settings.minimumReadings else { return nil }
            period = Array(later.prefix(settings.minimumReadings))
            end = period.last.map { $0.time.addingTimeInterval(0.001) } ?? nominalEnd
        }
        guard !period.isEmpty else { return nil }
        return Baseline(
            vital: vital, value: statistic(settings.statistic, period.map(\.value)), statistic: settings.statistic,
            sampleCount: period.count, periodStart: start, periodEnd: end, establishedAt: now)
    }

    /// The nominal collection period that starts at `periodStart` is not over at `now`: no baseline yet.
    static func isCollecting(periodStart: Date, settings: BaselineSettings, now: Date) -> Bool {
        now < nominalEnd(periodStart: periodStart, settings: settings)
    }

    private static func nominalEnd(periodStart: Date, settings: BaselineSettings) -> Date {
        periodStart.addingTimeInterval(Double(settings.days) * 86_400)
    }

    static func statistic(_ kind: BaselineStatistic, _ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        switch kind {
        case .mean:
            return values.reduce(0, +) / Double(values.count)
        case .median:
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
    }
}
