public import HealthProfiles

/// Numbers as they appear in texts (alert summaries, hook payloads, log lines, configuration errors, dhoctl):
/// exact, never with a dropped exponent.
///
/// A real device once sent 3.7e129 °C; the old formatter cut the text of the double ("3.7e+129") after two
/// decimals, so the alert read "temperature 3.7… °C" with the exponent gone. Plain notation is used where it stays readable (up to 21 integer digits, down to
/// millionths); beyond that the exponent is written out ("3.7e129", "1e-120").
public enum NumberText {
    /// `value` with at most `decimals` decimals ("86", "37.8", "2.05"). A non-zero value too small to show in
    /// that many decimals keeps its significant digits ("0.0001") instead of becoming "0". `decimals: nil`
    /// keeps every digit of the shortest text that reads back as the same double.
    public static func format(_ value: Double, decimals: Int? = 2) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value < 0 ? "-infinity" : "infinity") }
        var shown = value
        if let decimals, abs(value) < 1e15, abs(value) * pow10(decimals) >= 0.5 {
            let factor = pow10(decimals)
            shown = (value * factor).rounded() / factor
        }
        return render(parts(of: shown))
    }

    /// The exact decimal a device sent (`mantissa × 10^exponent`), in the same notation.
    public static func exact(_ number: DecimalNumber) -> String {
        var digits = String(number.mantissa.magnitude)
        var exponent = number.exponent
        while digits.count > 1, digits.hasSuffix("0") {
            digits.removeLast()
            exponent += 1
        }
        return render(Parts(negative: number.mantissa < 0, digits: number.mantissa == 0 ? "0" : digits,
                            exponent: number.mantissa == 0 ? 0 : exponent))
    }

    /// `digits × 10^exponent`, digits without leading or trailing zeros ("0" for zero).
    struct Parts: Equatable {
        var negative: Bool
        var digits: String
        var exponent: Int
    }

    private static func pow10(_ power: Int) -> Double {
        var result = 1.0
        for _ in 0..<max(0, power) { result *= 10 }
        return result
    }

    /// Decimal parts of a finite double from its shortest round-trip description ("3.7e+129", "0.0001", "86.0").
    static func parts(of value: Double) -> Parts {
        if value == 0 { return Parts(negative: false, digits: "0", exponent: 0) }
        var text = value.magnitude.description
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var digits = text
        if let dot = text.firstIndex(of: ".") {
            let fraction = text[text.index(after: dot)...]
            exponent -= fraction.count
            digits = String(text[..<dot]) + fraction
        }
        digits = String(digits.drop(while: { $0 == "0" }))
        while digits.count > 1, digits.hasSuffix("0") {
            digits.removeLast()
            exponent += 1
        }
        return Parts(negative: value < 0, digits: digits.isEmpty ? "0" : digits, exponent: exponent)
    }

    static func render(_ parts: Parts) -> String {
        let digits = parts.digits
        let leading = parts.exponent + digits.count - 1  // power of ten of the first digit
        var text: String
        if leading >= 21 || leading < -6 {
            text = String(digits.prefix(1))
            if digits.count > 1 { text += "." + digits.dropFirst() }
            text += "e" + String(leading)
        } else if parts.exponent >= 0 {
            text = digits == "0" ? "0" : digits + String(repeating: "0", count: parts.exponent)
        } else if digits.count > -parts.exponent {
            let split = digits.index(digits.endIndex, offsetBy: parts.exponent)
            text = digits[..<split] + "." + digits[split...]
        } else {
            text = "0." + String(repeating: "0", count: -parts.exponent - digits.count) + digits
        }
        return parts.negative && digits != "0" ? "-" + text : text
    }
}
