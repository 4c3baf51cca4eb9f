public import DeviceProfiles
public import Foundation
public import HealthProfiles

/// Turns a continuous oximeter's stream (PLX Continuous 0x2A5F, about one sample a second) into settled readings:
/// the median of a trailing window of trustworthy, stable samples instead of whatever sample opened the minute
/// (often a start-up artefact — an 82 % before the steady 96 % — that raised a red alert).
///
/// The rule (`ContinuousSettling` from the device's profile):
/// - A sample counts only when it has an SpO2 number and no status that says it is not a settled value: PLX
///   Measurement Status "measurement ongoing", "early estimated data", "calibration ongoing", "measurement
///   unavailable", "questionable" or "invalid", or any Device and Sensor Status bit but "extended display
///   update ongoing" (poor or erratic signal, low perfusion, sensor displaced...). Such a sample, or a gap of
///   more than `maximumGap` between samples (finger out, link lost), starts the run over.
/// - The signal is settled once the current run has lasted `windowSeconds` and the samples of the trailing
///   window number at least `minimumSamples` and their SpO2 lies within `maximumSpread` percentage points.
/// - Then the window's median is reported (the lower middle sample for an even count, so the SpO2 is one the
///   oximeter measured, with that sample's frame; the pulse rate is the median of the window's pulse rates),
///   with the window's span and sample count as qualifiers (the FHIR Observation's effectivePeriod).
/// - One reading per `reportInterval` (a minute, as before); sooner — but at most one per window — when the
///   settled SpO2 has dropped below the last one reported, so a real low value is never held back for the
///   interval: it is reported once its own window is full, `windowSeconds` (plus one sample) after it began.
/// - An interval (or a stream that ends) without a settled window reports nothing, and says why once.
public struct ContinuousOximetrySettler: Sendable {
    public enum Outcome: Sendable, Equatable {
        case settled(FramedReading)
        /// Still settling; nothing to say.
        case waiting(reason: String)
        /// A whole interval (or the stream's end) passed without a settled window: worth one log line.
        case notSettled(reason: String)
    }

    struct Sample: Sendable {
        var at: Date
        var spo2: DecimalNumber
        var pulseRate: DecimalNumber?
        var reading: Reading
        var frame: [UInt8]
    }

    public var settling: ContinuousSettling
    public var reportInterval: TimeInterval
    /// A pause longer than this between samples is an interruption (finger out, link lost), not one signal.
    public static let maximumGap: TimeInterval = 5

    private var window: [Sample] = []
    private var runStart: Date?
    private var intervalStart: Date?
    private var lastReported: (at: Date, spo2: DecimalNumber)?
    private var reportedInInterval = false
    private var lastReason = "no samples"

    public init(settling: ContinuousSettling = .standard, reportInterval: TimeInterval = 60) {
        self.settling = settling
        self.reportInterval = reportInterval
    }

    public mutating func accept(_ measurement: PLXContinuousMeasurement, frame: [UInt8], at now: Date) -> Outcome {
        if let last = window.last?.at ?? runStart, now.timeIntervalSince(last) > Self.maximumGap || now < last {
            restartRun(because: "samples interrupted")
        }
        intervalStart = intervalStart ?? now
        if let reason = Self.whyNotSettled(measurement) {
            restartRun(because: reason)
        } else if let spo2 = measurement.normal.spo2.number, let reading = measurement.readings.first {
            runStart = runStart ?? now
            window.append(Sample(at: now, spo2: spo2, pulseRate: measurement.normal.pulseRate.number, reading: reading, frame: frame))
            window.removeAll { now.timeIntervalSince($0.at) > TimeInterval(settling.windowSeconds) }
            if let settled = settledReading(at: now) { return .settled(settled) }
        }
        return intervalEnded(at: now)
    }

    /// The stream ended (the visit is over): a window never completed reports nothing; says why when the
    /// interval had no reading. The next visit's samples start a new run.
    public mutating func finish() -> String? {
        defer {
            restartRun(because: "no samples")
            intervalStart = nil
            reportedInInterval = false
        }
        guard intervalStart != nil, !reportedInInterval else { return nil }
        return "the stream ended before the signal settled (\(lastReason))"
    }

    /// Why a sample cannot be part of a settled window; nil when it can.
    static func whyNotSettled(_ measurement: PLXContinuousMeasurement) -> String? {
        guard measurement.normal.spo2.number != nil else { return "SpO2 not measured" }
        if let status = measurement.measurementStatus?.intersection(unsettledStatus), !status.isEmpty {
            return "measurement status: " + status.readingFlags.map(\.rawValue).joined(separator: ", ")
        }
        if let sensor = measurement.deviceAndSensorStatus?.subtracting(.extendedDisplayUpdateOngoing), !sensor.isEmpty {
            return "device or sensor status: " + sensor.readingFlags.map(\.rawValue).joined(separator: ", ")
        }
        return nil
    }

    static let unsettledStatus: PLXMeasurementStatus = [
        .measurementOngoing, .earlyEstimatedData, .calibrationOngoing, .measurementUnavailable,
        .questionableMeasurementDetected, .invalidMeasurementDetected,
    ]

    private mutating func restartRun(because reason: String) {
        window = []
        runStart = nil
        lastReason = reason
    }

    private mutating func settledReading(at now: Date) -> FramedReading? {
        guard let runStart, now.timeIntervalSince(runStart) >= TimeInterval(settling.windowSeconds) else {
            lastReason = "window not full yet"
            return nil
        }
        guard window.count >= settling.minimumSamples else {
            lastReason = "\(window.count) samples in the window, fewer than \(settling.minimumSamples)"
            return nil
        }
        let ordered = window.sorted { $0.spo2 < $1.spo2 }
        let (lowest, highest) = (ordered[0].spo2, ordered[ordered.count - 1].spo2)
        // SpO2 values are whole or tenth percents: the tolerance only absorbs the doubles' rounding.
        guard highest.doubleValue - lowest.doubleValue <= Double(settling.maximumSpread) + 1e-9 else {
            lastReason = "SpO2 from \(lowest) to \(highest) %, more than \(settling.maximumSpread) points apart"
            return nil
        }
        let median = ordered[(ordered.count - 1) / 2]
        if let lastReported {
            let sinceLast = now.timeIntervalSince(lastReported.at)
            let dropped = median.spo2 < lastReported.spo2 && sinceLast >= TimeInterval(settling.windowSeconds)
            guard sinceLast >= reportInterval || dropped else { return nil }
        }
        lastReported = (now, median.spo2)
        intervalStart = now
        reportedInInterval = true
        return FramedReading(reading(from: median, at: now), rawFrame: median.frame)
    }

    /// The median sample's reading with the window's median pulse rate and the window stated (its span from the
    /// first to the last sample, and the sample count). The fast/slow averages of one sample are left out: they
    /// would describe that second, not the window.
    private func reading(from median: Sample, at now: Date) -> Reading {
        var reading = median.reading
        let pulses = window.compactMap(\.pulseRate).sorted()
        if !pulses.isEmpty, let index = reading.components.firstIndex(where: { $0.vital == .pulseRate }) {
            reading.components[index].value = .number(pulses[(pulses.count - 1) / 2])
        }
        for key in [ReadingQualifier.spo2Fast, ReadingQualifier.pulseFast, ReadingQualifier.spo2Slow, ReadingQualifier.pulseSlow] {
            reading.qualifiers[key] = nil
        }
        let span = now.timeIntervalSince(window[0].at)
        reading.qualifiers[ReadingQualifier.settledWindowMilliseconds] = String(Int((span * 1000).rounded()))
        reading.qualifiers[ReadingQualifier.settledSamples] = String(window.count)
        return reading
    }

    private mutating func intervalEnded(at now: Date) -> Outcome {
        guard let intervalStart, now.timeIntervalSince(intervalStart) >= reportInterval else {
            return .waiting(reason: lastReason)
        }
        self.intervalStart = now
        reportedInInterval = false
        return .notSettled(reason: "no settled SpO2 in the last \(Int(reportInterval)) s (\(lastReason))")
    }
}
