import Foundation
import HealthProfiles
#if canImport(Glibc)
import Glibc
#endif

/// FHIR dateTimes ("2025-04-17T20:41:59+02:00", milliseconds only when there are some). Hand-written with
/// gmtime_r because ISO8601DateFormatter is neither Sendable nor cheap, and draining a 100k backlog formats
/// every timestamp once.
enum Timestamp {
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
    private static func format(_ wallClock: Date, offsetSeconds: Int?) -> String {
        let raw = (wallClock.timeIntervalSince1970 * 1000).rounded()
        // The store only holds dates within years 1...9999; clamp anyway rather than trap.
        let totalMilliseconds = raw.isFinite ? Int64(min(max(raw, -62_135_596_800_000), 253_402_300_799_000)) : 0
        var seconds = time_t(totalMilliseconds >= 0 ? totalMilliseconds / 1000 : (totalMilliseconds - 999) / 1000)
        let milliseconds = Int(totalMilliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
        if milliseconds != 0 { text += "." + pad(milliseconds, 3) }
        return text + (offsetSeconds.map(offsetText) ?? "Z")
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
