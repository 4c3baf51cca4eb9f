/// Makes untrusted text safe to show on a terminal or write to a log line.
///
/// Device names, DIS strings, server messages and control-socket input come from neighbours' devices, the
/// network or any technician; printed raw, a newline forges a row of `dhoctl scan` or a line of the journal
/// (`<2>…` at the start of a line is a critical entry to journald), and ESC/CSI sequences or bidi overrides
/// rewrite what the terminal shows. Every such character is replaced by a visible escape (`\n`, `\u{1B}`), so
/// what is shown is one line that says what was sent. Everything else, including non-Latin letters and emoji,
/// is left as it is. `--json` output does not use this: JSON carries the exact text, escaped by its own rules.
public enum VisibleText {
    public static func escaping(_ text: String) -> String {
        // Printable ASCII needs nothing, and is what nearly every log line is: asking each scalar's Unicode
        // properties was 0.6 % of the daemon's CPU under load (issue 16, several fields a line, a line a reading).
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where needsEscape(scalar): result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 and C1 controls (ESC, CSI, NEL, DEL included), line and paragraph separators, and the bidi
    /// embedding, override and isolate controls that reorder what follows them on screen.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: return true
        default: return scalar.properties.isBidiControl
        }
    }
}
