import FHIRModel

/// JSON written field by field, for the two texts triage writes in every reading's commit (the stored evaluation
/// and the outbox item's annotation). `JSONEncoder` went through the `Encodable` machinery — containers, coding
/// keys, boxed values, the keys sorted — for a few hundred bytes of fixed shape: 1.6 % of the daemon's CPU under
/// `bench resources`' load, more than the rest of the evaluation's bookkeeping. What is written here is read back
/// with `JSONDecoder` (the tests check that every shape comes back equal).
struct JSONText {
    enum Failure: Error {
        case notFinite(Double)
    }

    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// Punctuation and keys, as they are: `{"a":`.
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Bytes that already are JSON (an `Encodable` value `JSONEncoder` wrote).
    mutating func raw(_ json: some Sequence<UInt8>) {
        bytes.append(contentsOf: json)
    }

    /// A string, quoted, with what JSON requires escaped (quote, backslash, control characters): FHIRModel's
    /// escaper, the one the Bundles are written with.
    mutating func string(_ text: String) {
        JSON.writeString(text, into: &bytes)
    }

    /// An array of strings.
    mutating func strings(_ texts: [String]) {
        raw("[")
        for (index, text) in texts.enumerated() {
            if index > 0 { raw(",") }
            string(text)
        }
        raw("]")
    }

    /// A number: whole numbers without a fraction, others in Swift's shortest form that reads back to the same
    /// `Double` ("97.5", "1e-05"; JSON allows both). - Throws: for NaN and infinity, which JSON cannot hold (as
    /// `JSONEncoder` does).
    mutating func number(_ value: Double) throws {
        guard value.isFinite else { throw Failure.notFinite(value) }
        if value == value.rounded(), abs(value) < 1e15, !(value == 0 && value.sign == .minus) {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    mutating func int(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }
}
