/// Measurement Status of Blood Pressure Measurement, Intermediate Cuff Pressure and their enhanced forms.
///
/// Bits 0, 1, 2 and 5 are independent flags; bits 3-4 are one 2-bit field "Pulse Rate Range Detection"
/// (0 within range, 1 exceeds upper limit, 2 below lower limit, 3 reserved). Bits 6-15 are reserved.
public struct BloodPressureMeasurementStatus: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let bodyMovementDetected = BloodPressureMeasurementStatus(rawValue: 1 << 0)
    public static let cuffTooLoose = BloodPressureMeasurementStatus(rawValue: 1 << 1)
    public static let irregularPulseDetected = BloodPressureMeasurementStatus(rawValue: 1 << 2)
    /// Pulse Rate Range = 1. Never together with `pulseRateBelowLowerLimit` (that pattern is reserved).
    public static let pulseRateExceedsUpperLimit = BloodPressureMeasurementStatus(rawValue: 1 << 3)
    /// Pulse Rate Range = 2.
    public static let pulseRateBelowLowerLimit = BloodPressureMeasurementStatus(rawValue: 1 << 4)
    public static let improperMeasurementPosition = BloodPressureMeasurementStatus(rawValue: 1 << 5)

    static let defined: UInt16 = 0x003F

    public enum PulseRateRange: String, Sendable, Hashable, Codable {
        case withinRange = "within-range"
        case exceedsUpperLimit = "exceeds-upper-limit"
        case belowLowerLimit = "below-lower-limit"
    }

    /// The 2-bit Pulse Rate Range field; nil only for the reserved pattern, which decoding rejects.
    public var pulseRateRange: PulseRateRange? {
        switch (rawValue >> 3) & 0b11 {
        case 0: return .withinRange
        case 1: return .exceedsUpperLimit
        case 2: return .belowLowerLimit
        default: return nil
        }
    }

    static func decode(_ reader: inout ByteReader) throws(DecodeError) -> BloodPressureMeasurementStatus {
        let raw = try reader.uint16("Measurement Status")
        try reader.checkReserved(UInt32(raw), allowed: UInt32(defined), field: "Measurement Status")
        let status = BloodPressureMeasurementStatus(rawValue: raw)
        guard status.pulseRateRange != nil else {
            throw reader.invalid("Measurement Status.Pulse Rate Range", "value 3 is reserved")
        }
        return status
    }

    /// The normalised flags for `Reading`.
    public var readingFlags: [ReadingFlag] {
        var flags: [ReadingFlag] = []
        if contains(.bodyMovementDetected) { flags.append(.bodyMovement) }
        if contains(.cuffTooLoose) { flags.append(.cuffTooLoose) }
        if contains(.irregularPulseDetected) { flags.append(.irregularPulse) }
        if pulseRateRange == .exceedsUpperLimit { flags.append(.pulseRateAboveUpperLimit) }
        if pulseRateRange == .belowLowerLimit { flags.append(.pulseRateBelowLowerLimit) }
        if contains(.improperMeasurementPosition) { flags.append(.improperMeasurementPosition) }
        return flags
    }
}
