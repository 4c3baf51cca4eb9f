import Foundation

/// The header block of a response as libcurl hands it over (one "Name: value\r\n" line per call) made into a
/// dictionary: names lowercased, values trimmed, the last of a repeated name kept, lines without a colon (the
/// status line, the blank line ending the block) skipped.
///
/// Every response of the forwarder passes through here. Trimming with Foundation's `CharacterSet` was 2.0 % of
/// the daemon's samples under `bench resources`' load (issue 16: `trimmingCharacters(in:)` 1.2 %,
/// `CharacterSet.controlCharacters` 0.3 %), so an all-ASCII line — every line a FHIR server sends — is cut on
/// its UTF-8 bytes. Any other line takes the Foundation path, so the answers are the same for every line:
/// of ASCII, `.whitespacesAndNewlines` holds only tab, LF, VT, FF, CR and space, `lowercased()` maps only A–Z,
/// and no ASCII character joins a ":" into another `Character` (`ResponseHeaderFieldsTests` holds the old code
/// as its oracle).
enum ResponseHeaderFields {
    static func parse(_ lines: [String]) -> [String: String] {
        var headers: [String: String] = [:]
        for line in lines {
            switch asciiField(line) {
            case let .field(name, value):
                headers[name] = value
            case .noColon:
                continue
            case .notASCII:
                guard let (name, value) = foundationField(line) else { continue }
                headers[name] = value
            }
        }
        return headers
    }

    enum ASCIILine: Equatable {
        case field(name: String, value: String)
        case noColon
        case notASCII
    }

    /// The byte path, for a line of ASCII only.
    static func asciiField(_ line: String) -> ASCIILine {
        let parsed = line.utf8.withContiguousStorageIfAvailable { bytes -> ASCIILine in
            var colon: Int?
            for index in bytes.indices {
                let byte = bytes[index]
                if byte >= 0x80 { return .notASCII }
                if colon == nil, byte == UInt8(ascii: ":") { colon = index }
            }
            guard let colon else { return .noColon }
            let name = String(unsafeUninitializedCapacity: colon) { lowered in
                for index in 0..<colon {
                    let byte = bytes[index]
                    lowered[index] = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
                }
                return colon
            }
            var start = colon + 1
            var end = bytes.count
            while start < end, isWhitespaceOrNewline(bytes[start]) { start += 1 }
            while end > start, isWhitespaceOrNewline(bytes[end - 1]) { end -= 1 }
            let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            return .field(name: name, value: value)
        }
        return parsed ?? .notASCII   // a string without contiguous UTF-8 (bridged): Foundation decides
    }

    /// The ASCII members of `CharacterSet.whitespacesAndNewlines`: tab, LF, VT, FF, CR (U+0009–U+000D) and space.
    private static func isWhitespaceOrNewline(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// The general path (and the definition of the answers): a non-ASCII line, rare enough not to matter.
    static func foundationField(_ line: String) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (line[..<colon].lowercased(),
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
