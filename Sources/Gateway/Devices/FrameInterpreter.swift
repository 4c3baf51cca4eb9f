public import DeviceProfiles
public import Foundation
public import HealthProfiles

/// What one notified or indicated frame means for the gateway.
public enum InterpretedFrame: Sendable, Equatable {
    /// Complete measurements to store, each with the bytes it came from (kept for audit and re-decoding).
    case readings([FramedReading])
    /// A Record Access Control Point response (end of a glucose transfer).
    case controlPoint(RACPResponse)
    /// Valid but nothing to store now: live progress, a half of a split packet, a throttled sample.
    case nothingToStore(reason: String)
    /// The frame does not decode; nothing is stored.
    case malformed(DecodeError)
    /// A continuous oximeter's interval (or stream) ended without a settled value: nothing is stored, and the
    /// reason is worth a log line (`ContinuousOximetrySettler`).
    case notSettled(reason: String)
}

/// A reading and the device bytes it was decoded from (a glucose measurement with its context frame).
public struct FramedReading: Sendable, Equatable {
    public var reading: Reading
    public var rawFrame: [UInt8]

    public init(_ reading: Reading, rawFrame: [UInt8]) {
        self.reading = reading
        self.rawFrame = rawFrame
    }
}

/// Turns one device's frames into complete readings, in arrival order.
///
/// Some measurements span several frames (a glucose measurement and the context that follows it; a body
/// composition measurement split in two packets), so this keeps per-device state. It is a value type used by
/// a single frame-processing task per device: ordering is the task's, not a lock's.
public struct FrameInterpreter: Sendable {
    private var glucose = GlucoseRecordAssembler()
    private var pendingGlucoseFrames: [UInt8] = []
    private var bodyComposition = BodyCompositionAssembler()
    private var pendingBodyCompositionFrames: [UInt8] = []
    private var continuous: ContinuousOximetrySettler
    /// The site from the thermometer's Temperature Type characteristic, for frames that carry none.
    public var defaultTemperatureSite: TemperatureType?
    /// The device profile's measuring range, stamped on a reading beyond it (LO / HI) so that triage and every text
    /// name the bound the meter's result lies beyond.
    private let measuringRange: MeasuringRange?

    /// PLX Continuous streams one sample a second; storing each would flood the centre, and the first sample
    /// of a minute is often unsettled. One settled value (the median of a stable window, per the device
    /// profile's `settling`) is kept per `continuousReportInterval`; spot-checks are always kept.
    public init(settling: ContinuousSettling = .standard, continuousReportInterval: TimeInterval = 60,
                measuringRange: MeasuringRange? = nil) {
        continuous = ContinuousOximetrySettler(settling: settling, reportInterval: continuousReportInterval)
        self.measuringRange = measuringRange
    }

    public mutating func interpret(_ characteristic: GATTCharacteristic, _ bytes: [UInt8], receivedAt: Date) -> InterpretedFrame {
        // Decoded first, in a statement of its own: `withMeasuringRange(decode(...))` evaluated the non-mutating
        // call's `self` before its argument, so Swift copied the interpreter to keep it apart from `decode`'s
        // mutation, and the continuous settler's window (up to 30 s of samples, each with its reading) was then
        // shared and copied whole on every sample's append: 3 % of the daemon's CPU under `bench resources`
        // (perf, issue 16; `swift_arrayInitWithCopy` of `ContinuousOximetrySettler.Sample` under `decode`).
        let decoded = decode(characteristic, bytes, receivedAt: receivedAt)
        return withMeasuringRange(decoded)
    }

    private func withMeasuringRange(_ frame: InterpretedFrame) -> InterpretedFrame {
        guard let measuringRange, case let .readings(framed) = frame else { return frame }
        return .readings(framed.map { item in
            guard item.reading.components.contains(where: { $0.value.beyondRangeSide != nil }) else { return item }
            var stamped = item
            stamped.reading.qualifiers[ReadingQualifier.measuringRange] = measuringRange.qualifierText
            return stamped
        })
    }

    private mutating func decode(_ characteristic: GATTCharacteristic, _ bytes: [UInt8], receivedAt: Date) -> InterpretedFrame {
        let decoded: DecodedCharacteristic
        do {
            decoded = try CharacteristicDecoder.decode(characteristic, bytes)
        } catch {
            return .malformed(error)
        }
        // Only characteristics whose frames depend on other frames (a record and its context, a split
        // measurement, a site given once, a sampled stream, a transfer's end) are named here; any other goes
        // through `default`, which stores what `HealthCharacteristic.frameReadings` yields.
        switch decoded.value {
        case let measurement as GlucoseMeasurement:
            let released = glucose.accept(measurement)
            // A previously held record (its context never came) comes first, then possibly this one.
            var framed: [FramedReading] = []
            for record in released {
                let frame = record.measurement == measurement ? bytes : pendingGlucoseFrames
                framed += record.readings.map { FramedReading($0, rawFrame: frame) }
            }
            pendingGlucoseFrames = measurement.contextFollows ? bytes : []
            if framed.isEmpty { return .nothingToStore(reason: "glucose record \(measurement.sequenceNumber) awaits its context") }
            return .readings(framed)
        case let context as GlucoseMeasurementContext:
            do {
                let record = try glucose.accept(context)
                defer { pendingGlucoseFrames = [] }
                return .readings(record.readings.map { FramedReading($0, rawFrame: pendingGlucoseFrames + bytes) })
            } catch {
                return .malformed(error)
            }
        case let packet as BodyCompositionMeasurement where packet.multiplePacket:
            do {
                guard let complete = try bodyComposition.accept(packet) else {
                    pendingBodyCompositionFrames = bytes
                    return .nothingToStore(reason: "first packet of a split body-composition measurement")
                }
                defer { pendingBodyCompositionFrames = [] }
                return .readings(complete.readings.map { FramedReading($0, rawFrame: pendingBodyCompositionFrames + bytes) })
            } catch {
                pendingBodyCompositionFrames = []
                return .malformed(error)
            }
        case let measurement as TemperatureMeasurement:
            return .readings(measurement.readings(defaultSite: defaultTemperatureSite).map { FramedReading($0, rawFrame: bytes) })
        case let sample as PLXContinuousMeasurement:
            switch continuous.accept(sample, frame: bytes, at: receivedAt) {
            case let .settled(reading): return .readings([reading])
            case let .waiting(reason): return .nothingToStore(reason: "continuous SpO2 not reported yet: \(reason)")
            case let .notSettled(reason): return .notSettled(reason: reason)
            }
        case let response as RACPResponse:
            return .controlPoint(response)
        case let site as TemperatureType:
            defaultTemperatureSite = site
            return .nothingToStore(reason: "temperature site")
        default:
            let readings = decoded.readings
            if readings.isEmpty { return .nothingToStore(reason: "\(characteristic.displayName) carries no measurement") }
            return .readings(readings.map { FramedReading($0, rawFrame: bytes) })
        }
    }

    /// End of a transfer (RACP complete, disconnect): releases what waits for a partner that will not come.
    /// A lone half of a split body-composition measurement is released too: it is a valid weight.
    public mutating func finish() -> [InterpretedFrame] {
        var result: [InterpretedFrame] = []
        let records = glucose.finish()
        let frames = pendingGlucoseFrames
        if !records.isEmpty { result.append(.readings(records.flatMap(\.readings).map { FramedReading($0, rawFrame: frames) })) }
        pendingGlucoseFrames = []
        if let half = bodyComposition.finish() {
            let frames = pendingBodyCompositionFrames
            result.append(.readings(half.readings.map { FramedReading($0, rawFrame: frames) }))
        }
        pendingBodyCompositionFrames = []
        if let reason = continuous.finish() { result.append(.notSettled(reason: reason)) }
        return result.map(withMeasuringRange)
    }
}
