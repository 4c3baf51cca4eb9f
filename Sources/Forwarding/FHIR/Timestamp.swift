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
        return ASCIIWriter.string { text in
            text.put(year, width: 4); text.put("-"); text.put(month, width: 2); text.put("-"); text.put(day, width: 2)
            text.put("T"); text.put(time.hours, width: 2); text.put(":"); text.put(time.minutes, width: 2)
            text.put(":"); text.put(time.seconds, width: 2)
            text.putOffset(offsetSeconds)
        }
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
        return ASCIIWriter.string { text in
            text.put(Int(parts.tm_year) + 1900, width: 4); text.put("-"); text.put(Int(parts.tm_mon) + 1, width: 2)
            text.put("-"); text.put(Int(parts.tm_mday), width: 2); text.put("T"); text.put(Int(parts.tm_hour), width: 2)
            text.put(":"); text.put(Int(parts.tm_min), width: 2); text.put(":"); text.put(Int(parts.tm_sec), width: 2)
            if milliseconds != 0 || alwaysMilliseconds {
                text.put("."); text.put(milliseconds, width: 3)
            }
            if let offsetSeconds { text.putOffset(offsetSeconds) } else { text.put("Z") }
        }
    }

    /// A log line's stamp, "2026-12-06T07:30:00.123Z": UTC, always with milliseconds.
    package static func logStamp(_ date: Date) -> String {
        format(date, offsetSeconds: nil, alwaysMilliseconds: true)
    }
}

/// Writes a timestamp's ASCII into a string's bytes: the one place its fields are zero-padded and its offset written
/// ("+02:00", "-05:30"; "+00:00" for UTC itself: the offset is stated, not unknown).
private struct ASCIIWriter {
    /// Room for any of `Timestamp`'s texts: a 5-digit device year and 3-digit fields (25) with an offset of any
    /// `Int` seconds (at most 20 more).
    private static let capacity = 64

    private let text: UnsafeMutableBufferPointer<UInt8>
    private var end = 0

    static func string(_ write: (inout ASCIIWriter) -> Void) -> String {
        String(unsafeUninitializedCapacity: capacity) { buffer in
            var writer = ASCIIWriter(text: buffer)
            write(&writer)
            return writer.end
        }
    }

    private init(text: UnsafeMutableBufferPointer<UInt8>) { self.text = text }

    /// `value` (not negative) in decimal, zero-padded to at least `width` digits.
    mutating func put(_ value: Int, width: Int) {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        let count = max(width, digits)
        precondition(end + count <= text.count, "timestamp text longer than its buffer")
        rest = value
        for index in stride(from: end + count - 1, through: end, by: -1) {
            text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        end += count
    }

    mutating func put(_ character: Unicode.Scalar) {
        precondition(end < text.count, "timestamp text longer than its buffer")
        text[end] = UInt8(ascii: character)
        end += 1
    }

    mutating func putOffset(_ seconds: Int) {
        let minutes = seconds.magnitude / 60
        put(seconds < 0 ? "-" : "+"); put(Int(minutes / 60), width: 2); put(":"); put(Int(minutes % 60), width: 2)
    }
}
