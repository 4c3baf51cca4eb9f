import Foundation

/// How the two-person rule decides that two names are the same person.
///
/// "Dr Hansen" and "Dr Hаnsen" (Cyrillic а) look identical on a terminal and in the audit trail, so a plain
/// comparison let one person order and verify. Names are reduced to a skeleton before comparing:
///
/// 1. Unicode NFKC (compatibility forms: full-width letters, ligatures, ℓ, superscripts become plain letters);
/// 2. decomposition, then removal of combining marks (Mn, Me) and of format and default-ignorable characters
///    (zero-width space/joiners, soft hyphen, bidi controls), so "Hånsen", "Hansen\u{200B}" and "Hansen" meet;
/// 3. the look-alike table below, applied to upper and lower case before case folding;
/// 4. case folding, and every run of whitespace, dashes, dots or underscores (the separators people use between
///    title and name: "dr-hansen", "Dr. Hansen", "Dr  Hansen") collapsed to one space, trimmed.
///
/// The table is written by hand rather than generated from Unicode TR39's confusables.txt (the source of its
/// entries): the full file maps about 6,000 characters, many to multi-letter sequences, and would have to be
/// shipped and kept in step with Unicode; names typed by technicians are Latin, and the characters that pass for
/// Latin letters in practice are the Cyrillic and Greek ones listed here (plus a few Latin variants such as
/// dotless i). A name that differs only by a character outside the table is still caught by the other rule:
/// the verifier must be a different OS user than the one who entered the order.
enum PersonName {
    static func skeleton(_ name: String) -> String {
        let decomposed = name.precomposedStringWithCompatibilityMapping.decomposedStringWithCompatibilityMapping
        var letters = String.UnicodeScalarView()
        for scalar in decomposed.unicodeScalars {
            if scalar.properties.isWhitespace {
                letters.append(" ")  // a tab is a control character, but between two words it separates them
            } else if !isInvisible(scalar) {
                letters.append(lookAlikes[scalar] ?? scalar)
            }
        }
        let folded = String(letters).folding(options: [.caseInsensitive, .widthInsensitive], locale: nil)
        return folded.split { $0.isWhitespace || separators.contains($0) }.joined(separator: " ")
    }

    private static let separators: Set<Character> = ["-", "_", ".", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}"]

    private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return true
        default: return scalar.properties.isDefaultIgnorableCodePoint
        }
    }

    /// Cyrillic and Greek letters (and Latin variants) that render like a Latin letter, from TR39 confusables.txt.
    private static let lookAlikes: [Unicode.Scalar: Unicode.Scalar] = [
        // Cyrillic lower case
        "а": "a", "в": "b", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m", "н": "h", "о": "o",
        "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "у": "y", "ԝ": "w", "х": "x", "с": "c", "ԁ": "d", "ɡ": "g", "ү": "y",
        // Cyrillic upper case
        "А": "A", "В": "B", "Е": "E", "Һ": "H", "І": "I", "Ј": "J", "К": "K", "Ӏ": "l", "М": "M", "Н": "H", "О": "O",
        "Р": "P", "Ԛ": "Q", "Ѕ": "S", "Т": "T", "У": "Y", "Ԝ": "W", "Х": "X", "С": "C", "Ү": "Y",
        // Greek lower case
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "υ": "u", "χ": "x", "γ": "y", "τ": "t",
        // Greek upper case
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
        "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        // Latin variants
        "ı": "i", "ȷ": "j", "ɑ": "a", "ǀ": "l",
    ]
}
