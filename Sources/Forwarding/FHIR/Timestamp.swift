package import Foundation
import HealthProfiles
#if canImport(Glibc)
import Glibc
#endif

/// FHIR dateTimes ("2025-04-17T20:41:59+02:00", milliseconds only when there are some). Hand-written with
/// gmtime_r because ISO8601DateFormatter is neither Sendable nor cheap, and draining a 100k backlog formats
/// every timestamp once.
package enum Timestamp {
    /// `date` as the wall clock of `timeZone` with that zone's offset at that instant. The PHD IG 2.0.0
    /// (input/intro-notes/StructureDefinition-PhdBaseObservation-notes.md, "Timestamp") has the PHG include its
    /// offset; the hub's offset is the home's.
    static func local(_ date: Date, in timeZone: TimeZone) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        return format(date.addingTimeInterval(TimeInterval(offset)), offsetSeconds: offset)
    }

    /// UTC, "...Z".
    static func utc(_ date: Date) -> String { format(date, offsetSeconds: nil) }

    /// A device's zone-less wall-clock time with `offsetSeconds` (the home's offset): what its clock showed.
    /// Nil unless the date is complete.
    static func deviceClock(_ time: DeviceDateTime, offsetSeconds: Int) -> String? {
        guard let year = time.year, let month = time.month, let day = time.day else { return nil }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(time.hours, 2)):\(pad(time.minutes, 2))"
            + ":\(pad(time.seconds, 2))" + offsetText(offsetSeconds)
    }

    /// `wallClock` is the instant shifted by the offset, formatted as if it were UTC, then the offset appended.
    /// Digits written into the string's bytes: padding each field through a `String` was 0.4 % of the daemon's
    /// CPU under load (issue 16, every Observation has one or two timestamps), and the log's own stamp shares it.
    private static func format(_ wallClock: Date, offsetSeconds: Int?, alwaysMilliseconds: Bool = false) -> String {
        let raw = (wallClock.timeIntervalSince1970 * 1000).rounded()
        // The store only holds dates within years 1...9999; clamp anyway rather than trap.
        let totalMilliseconds = raw.isFinite ? Int64(min(max(raw, -62_135_596_800_000), 253_402_300_799_000)) : 0
        var seconds = time_t(totalMilliseconds >= 0 ? totalMilliseconds / 1000 : (totalMilliseconds - 999) / 1000)
        let milliseconds = Int(totalMilliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // "YYYY-MM-DDThh:mm:ss" (19) + ".sss" (4) + "+hh:mm" (6).
        return String(unsafeUninitializedCapacity: 29) { text in
            var end = 0
            func put(_ value: Int, width: Int) {
                var rest = value
                for index in stride(from: end + width - 1, through: end, by: -1) {
                    text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                end += width
            }
            func put(_ character: Unicode.Scalar) {
                text[end] = UInt8(ascii: character)
                end += 1
            }
            put(Int(parts.tm_year) + 1900, width: 4); put("-"); put(Int(parts.tm_mon) + 1, width: 2); put("-")
            put(Int(parts.tm_mday), width: 2); put("T"); put(Int(parts.tm_hour), width: 2); put(":")
            put(Int(parts.tm_min), width: 2); put(":"); put(Int(parts.tm_sec), width: 2)
            if milliseconds != 0 || alwaysMilliseconds {
                put("."); put(milliseconds, width: 3)
            }
            if let offsetSeconds {
                let minutes = abs(offsetSeconds) / 60
                put(offsetSeconds < 0 ? "-" : "+"); put(minutes / 60 % 100, width: 2); put(":"); put(minutes % 60, width: 2)
            } else {
                put("Z")
            }
            return end
        }
    }

    /// A log line's stamp, "2026-12-06T07:30:00.123Z": UTC, always with milliseconds.
    package static func logStamp(_ date: Date) -> String {
        format(date, offsetSeconds: nil, alwaysMilliseconds: true)
    }

    /// "+02:00", "-05:30"; "+00:00" for UTC itself (the offset is stated, not unknown).
    static func offsetText(_ seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        return (seconds < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
