/// An exact base-10 number `mantissa × 10^exponent`.
///
/// IEEE-11073 values are decimal by construction (36.7 °C is 367 × 10⁻¹). Keeping them decimal means that
/// unit conversions by powers of ten (kg/L → mg/dL) and the FHIR `valueQuantity.value` we forward stay exact,
/// with the precision the device reported, instead of picking up binary floating-point noise.
public struct DecimalNumber: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public var mantissa: Int64
    public var exponent: Int

    public init(mantissa: Int64, exponent: Int) {
        self.mantissa = mantissa
        self.exponent = exponent
    }

    public init(_ integer: Int) {
        self.init(mantissa: Int64(integer), exponent: 0)
    }

    /// Parses plain decimal text such as "-12.50" (used by configuration files and tests).
    public init?(_ text: String) {
        var digits = Substring(text).drop(while: { $0 == " " })
        while digits.last == " " { digits = digits.dropLast() }
        var negative = false
        if digits.first == "-" { negative = true; digits = digits.dropFirst() }
        else if digits.first == "+" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty || parts.count == 2 else { return nil }
        let whole = parts[0], fraction = parts.count == 2 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty),
              (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }),
              whole.count + fraction.count <= 18,
              let magnitude = Int64(whole + fraction == "" ? "0" : whole + fraction)
        else { return nil }
        self.init(mantissa: negative ? -magnitude : magnitude, exponent: -fraction.count)
    }

    public var doubleValue: Double {
        var value = Double(mantissa)
        if exponent >= 0 {
            for _ in 0..<min(exponent, 400) { value *= 10 }
        } else {
            // Divide by an exact power of ten so that 367e-1 becomes the nearest double to 36.7.
            var divisor = 1.0
            for _ in 0..<min(-exponent, 400) { divisor *= 10 }
            value /= divisor
        }
        return value
    }

    /// The same number scaled by `10^power`: exact, only the exponent moves.
    public func scaled(byPowerOfTen power: Int) -> DecimalNumber {
        DecimalNumber(mantissa: mantissa, exponent: exponent + power)
    }

    /// The same number multiplied by a small integer factor (e.g. the 5 of a 0.005 kg resolution).
    public func multiplied(by factor: Int64) -> DecimalNumber {
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: factor)
        precondition(!overflow, "DecimalNumber factor overflow: callers only scale 16/24-bit device values")
        return DecimalNumber(mantissa: product, exponent: exponent)
    }

    /// Removes trailing zero digits from the mantissa without changing the value (120e0, not 1200e-1).
    public var normalized: DecimalNumber {
        var result = self
        while result.mantissa != 0, result.mantissa % 10 == 0 {
            result.mantissa /= 10
            result.exponent += 1
        }
        if result.mantissa == 0 { result.exponent = 0 }
        return result
    }

    /// Plain decimal notation without exponent, e.g. "36.7", "138", "0.05", "1200".
    public var description: String {
        let negative = mantissa < 0
        let digits = String(mantissa.magnitude)
        var text: String
        if exponent >= 0 {
            text = mantissa == 0 ? "0" : digits + String(repeating: "0", count: exponent)
        } else {
            let places = -exponent
            if digits.count > places {
                let split = digits.index(digits.endIndex, offsetBy: -places)
                text = digits[..<split] + "." + digits[split...]
            } else {
                text = "0." + String(repeating: "0", count: places - digits.count) + digits
            }
        }
        if negative { text = "-" + text }
        return text
    }

    public static func == (lhs: DecimalNumber, rhs: DecimalNumber) -> Bool {
        let l = lhs.normalized, r = rhs.normalized
        return l.mantissa == r.mantissa && l.exponent == r.exponent
    }

    public func hash(into hasher: inout Hasher) {
        let n = normalized
        hasher.combine(n.mantissa)
        hasher.combine(n.exponent)
    }

    public static func < (lhs: DecimalNumber, rhs: DecimalNumber) -> Bool {
        lhs.doubleValue < rhs.doubleValue
    }
}
