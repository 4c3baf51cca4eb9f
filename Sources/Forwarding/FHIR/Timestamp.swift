import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// FHIR instants in UTC ("2025-04-17T18:41:59Z", milliseconds only when there are some). Hand-written with
/// gmtime_r because ISO8601DateFormatter is neither Sendable nor cheap, and draining a 100k backlog formats
/// every timestamp once.
enum Timestamp {
    static func utc(_ date: Date) -> String {
        let raw = (date.timeIntervalSince1970 * 1000).rounded()
        // The store only holds dates within years 1...9999; clamp anyway rather than trap.
        let totalMilliseconds = raw.isFinite ? Int64(min(max(raw, -62_135_596_800_000), 253_402_300_799_000)) : 0
        var seconds = time_t(totalMilliseconds >= 0 ? totalMilliseconds / 1000 : (totalMilliseconds - 999) / 1000)
        let milliseconds = Int(totalMilliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var text = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
        if milliseconds != 0 { text += "." + pad(Int32(milliseconds), 3) }
        return text + "Z"
    }
}
