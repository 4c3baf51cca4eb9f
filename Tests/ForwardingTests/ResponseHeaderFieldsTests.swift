@testable import Forwarding
import Foundation
import SeededRandom
import Testing

/// `ResponseHeaderFields` cuts ASCII header lines on their bytes (issue 16: Foundation's trimming was 2 % of the
/// daemon's CPU). These tests pin what the Foundation-only parser answered, and hold that parser as the oracle.
@Suite struct ResponseHeaderFieldsTests {
    /// The parser before the byte path, kept verbatim as the definition of the answers.
    static func oracle(_ lines: [String]) -> [String: String] {
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            headers[name] = value
        }
        return headers
    }

    @Test func theAnswersThatArePinned() {
        let lines = [
            "HTTP/1.1 503 Service Unavailable\r\n",    // no colon: skipped
            "Retry-After:  \t 120 \t\r\n",               // odd whitespace around the value
            "Content-Type: application/fhir+json\r\n",
            "X-Empty:\r\n",                              // empty value
            "X-Blank:   \r\n",                           // only whitespace
            "X-Folded: first\r\n",
            "\t continued part\r\n",                     // an obsolete folded line has no colon: skipped, not joined
            "X-Dup: one\r\n",
            "x-dup: two\r\n",                            // a repeated name: the last one wins, whatever its case
            "X-Inner:  a  b\t c \r\n",                   // inner whitespace kept
            "Spaced Name : v\r\n",                       // the name is not trimmed
            "X-Colons: a:b: c\r\n",                      // the first colon splits
            "X-Controls:\u{0B}\u{0C}v\u{0B}\u{0C}\r\n",  // VT and FF are newlines to Foundation
            "X-Bare-LF: v\n",
            "\r\n",
        ]
        let expected = [
            "retry-after": "120", "content-type": "application/fhir+json", "x-empty": "", "x-blank": "",
            "x-folded": "first", "x-dup": "two", "x-inner": "a  b\t c", "spaced name ": "v", "x-colons": "a:b: c",
            "x-controls": "v", "x-bare-lf": "v",
        ]
        #expect(ResponseHeaderFields.parse(lines) == expected)
        #expect(Self.oracle(lines) == expected)
    }

    @Test func nonASCIILinesTakeFoundationsPath() {
        let lines = [
            "X-NBSP:\u{A0}v\u{A0}\r\n",            // NO-BREAK SPACE is whitespace to Foundation
            "X-NEL: v\u{85}\r\n",                  // NEXT LINE and LINE SEPARATOR are newlines
            "X-LS:\u{2028}v\r\n",
            "ÆØÅ-Navn: blå\r\n",                    // non-ASCII names are lowercased by Unicode's rules
            "X-Combining:\u{301}v\r\n",             // a mark after the colon joins it: no colon Character
        ]
        let parsed = ResponseHeaderFields.parse(lines)
        #expect(parsed == Self.oracle(lines))
        #expect(parsed["x-nbsp"] == "v" && parsed["x-nel"] == "v" && parsed["x-ls"] == "v" && parsed["æøå-navn"] == "blå")
        #expect(ResponseHeaderFields.asciiField(lines[0]) == .notASCII)
        #expect(ResponseHeaderFields.asciiField("Retry-After: 5\r\n") == .field(name: "retry-after", value: "5"))
    }

    /// Random lines over an alphabet of the characters where the two paths could disagree.
    @Test func theBytePathAgreesWithFoundationOnRandomLines() {
        let alphabet: [String] = [
            "a", "Z", "q", "M", "-", "0", ":", ":", " ", " ", "\t", "\r", "\n", "\r\n", "\u{0B}", "\u{0C}", "\u{00}",
            "\u{1F}", "\u{7F}", "\u{A0}", "\u{85}", "\u{2028}", "\u{3000}", "\u{301}", "é", "İ", "ß", "\u{FFFD}", "Ω",
        ]
        var generator = SeededGenerator(seed: 16)
        for round in 0..<2_000 {
            let lines = (0..<Int.random(in: 1...6, using: &generator)).map { _ in
                String((0..<Int.random(in: 0...14, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator) ?? ""
                }.joined())
            }
            let parsed = ResponseHeaderFields.parse(lines)
            let expected = Self.oracle(lines)
            #expect(parsed == expected, "round \(round): \(lines.map { Array($0.unicodeScalars.map(\.value)) })")
            if parsed != expected { return }
        }
    }

    /// Through libcurl and the loopback receiver: the header block of a real answer.
    @Test func aRealAnswersHeadersAreParsed() async throws {
        let harness = try await Harness()
        try await harness.receiver.inject([["status": 503, "retryAfter": " \t7 "]])
        let response = try await CurlTransport(endpoint: harness.endpoint()).post(Array("{}".utf8))
        #expect(response.status == 503)
        #expect(response.headers["retry-after"] == "7")
        #expect(response.headers["content-type"]?.hasPrefix("application/") == true)
    }
}
