/// Why a measured value is missing. The raw values are the FHIR `data-absent-reason` codes.
public enum AbsentReason: String, Sendable, Hashable, Codable {
    case notANumber = "not-a-number"
    case error = "error"
    case positiveInfinity = "positive-infinity"
    case negativeInfinity = "negative-infinity"
    /// The device reported the measurement as unsuccessful (e.g. weight 0xFFFF).
    case unsuccessful = "unknown"
}

/// A value as the device reported it: a number, a result beyond the device's measuring range, or the reason there
/// is none.
public enum MeasuredValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(DecimalNumber)
    case absent(AbsentReason)
    /// A real result the device cannot put a number on ("LO" / "HI": a glucometer's ±∞ with the matching status,
    /// `GlucoseMeasurement.clinicalValue`). Neither a device error nor a missing value: triage acts on it.
    case beyondRange(MeasuringRangeSide)

    public init(_ float: MedicalFloat) {
        if let number = float.number { self = .number(number) } else { self = .absent(float.absentReason ?? .error) }
    }

    public var number: DecimalNumber? {
        if case let .number(value) = self { return value }
        return nil
    }

    public var description: String {
        switch self {
        case let .number(value): return value.description
        case let .absent(reason): return "absent(\(reason.rawValue))"
        case let .beyondRange(side): return "beyond-range(\(side.rawValue))"
        }
    }

    /// The side of the device's measuring range the value lies beyond (LO / HI), or nil.
    public var beyondRangeSide: MeasuringRangeSide? {
        if case let .beyondRange(side) = self { return side }
        return nil
    }

    /// The FHIR data-absent-reason of a value without a number: a result beyond the range is sent as the special
    /// value the device sent (PHD IG 2.0.0, "Special FLOAT and SFLOAT Values": −∞ `negative-infinity`, +∞
    /// `positive-infinity`); nil for a number.
    public var dataAbsentReason: AbsentReason? {
        switch self {
        case .number: return nil
        case let .absent(reason): return reason
        case .beyondRange(.below): return .negativeInfinity
        case .beyondRange(.above): return .positiveInfinity
        }
    }
}
