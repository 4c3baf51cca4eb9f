/// One weighing as a broadcasting scale reports it in an advertisement: while the patient stands on it the scale
/// sends interim values, then the stabilised one, repeated for seconds (and again on its next advertising cycle).
public struct BroadcastWeighing: Sendable, Hashable {
    public var weight: DecimalNumber
    /// kg or [lb_av]; a scale showing jin (Chinese catty, 0.5 kg) is reported in kg.
    public var unit: UCUMUnit
    /// The scale says the value settled: the only kind that becomes a reading.
    public var stabilised: Bool
    /// The scale was in its "object" mode (luggage, a pet): not the patient's weight.
    public var objectMode: Bool
    /// Body impedance in ohm, when the scale measured one (bare feet on the electrodes).
    public var impedance: UInt16?
    /// The scale's own time of the weighing, when it sends one (its identity across repeats and restarts).
    public var timestamp: DeviceDateTime?
    /// The advertisement bytes it was decoded from (kept with the reading for audit and re-decoding).
    public var rawFrame: [UInt8]

    public init(weight: DecimalNumber, unit: UCUMUnit, stabilised: Bool, objectMode: Bool = false,
                impedance: UInt16? = nil, timestamp: DeviceDateTime? = nil, rawFrame: [UInt8] = []) {
        self.weight = weight
        self.unit = unit
        self.stabilised = stabilised
        self.objectMode = objectMode
        self.impedance = impedance
        self.timestamp = timestamp
        self.rawFrame = rawFrame
    }

    /// What the patient's weighing settled to; interim values and object weighings are not measurements.
    public var isFinal: Bool { stabilised && !objectMode }

    /// Why this weighing is not stored, nil when it is final.
    public var whyNotFinal: String? {
        if objectMode { return "object weighing, not a person" }
        if !stabilised { return "interim value, not stabilised" }
        return nil
    }

    /// The body-weight reading of a final weighing. The impedance is left out on purpose: a scale sends the
    /// settled weight first and the impedance seconds later, and both frames must be one reading (the raw frame
    /// keeps it). `source` is the codec's `readingSource`, in place of a characteristic number.
    public func reading(source: UInt16) -> Reading {
        Reading(kind: .bodyWeight, characteristic: source, deviceTime: timestamp,
                components: [ReadingComponent(.bodyWeight, .number(weight), unit)])
    }
}
