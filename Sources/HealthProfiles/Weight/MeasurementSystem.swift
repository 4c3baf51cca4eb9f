/// Weight Scale and Body Composition unit system (Flags bit 0): SI = kg and m, imperial = lb and in.
///
/// Masses are uint16 in 0.005 kg or 0.01 lb steps, heights in 0.001 m or 0.1 in steps. The typed values keep
/// those raw steps (so frames re-encode exactly) and convert to exact decimals for readings.
public enum MeasurementSystem: String, Sendable, Hashable, Codable {
    case si
    case imperial

    init(flagBit: Bool) { self = flagBit ? .imperial : .si }
    var flagBit: Bool { self == .imperial }

    public var massUnit: UCUMUnit { self == .si ? .kilogram : .pound }
    public var lengthUnit: UCUMUnit { self == .si ? .metre : .inch }

    /// A mass field: 0.005 kg or 0.01 lb per step.
    public func mass(_ steps: UInt16) -> DecimalNumber {
        self == .si ? DecimalNumber(mantissa: Int64(steps) * 5, exponent: -3) : DecimalNumber(mantissa: Int64(steps), exponent: -2)
    }

    /// A height field: 0.001 m or 0.1 in per step.
    public func length(_ steps: UInt16) -> DecimalNumber {
        DecimalNumber(mantissa: Int64(steps), exponent: self == .si ? -3 : -1)
    }

    /// The raw step count for a mass, when it is an exact multiple of the resolution and fits 16 bits.
    public func massSteps(_ value: DecimalNumber) -> UInt16? {
        Self.steps(value, resolution: self == .si ? DecimalNumber(mantissa: 5, exponent: -3) : DecimalNumber(mantissa: 1, exponent: -2))
    }

    public func lengthSteps(_ value: DecimalNumber) -> UInt16? {
        Self.steps(value, resolution: DecimalNumber(mantissa: 1, exponent: self == .si ? -3 : -1))
    }

    /// `value / resolution` when exact; used by the encoders' convenience initialisers.
    static func steps(_ value: DecimalNumber, resolution: DecimalNumber) -> UInt16? {
        let v = value.normalized, r = resolution.normalized
        guard v.mantissa >= 0, r.mantissa > 0 else { return nil }
        let exponent = min(v.exponent, r.exponent)
        guard let numerator = integer(v, atExponent: exponent), let denominator = integer(r, atExponent: exponent),
              numerator % denominator == 0
        else { return nil }
        return UInt16(exactly: numerator / denominator)
    }

    /// The mantissa of `number` rewritten at a smaller `exponent`; nil if that overflows.
    private static func integer(_ number: DecimalNumber, atExponent exponent: Int) -> Int64? {
        var mantissa = number.mantissa
        for _ in 0..<max(0, number.exponent - exponent) {
            let (product, overflow) = mantissa.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            mantissa = product
        }
        return mantissa
    }
}
