import Foundation

// Instants are stored as integer milliseconds since 1970 UTC: exact comparisons in SQL, no time-zone text.
extension Date {
    /// Milliseconds since 1970; dates outside years 0001...9999 (or not finite) are clamped, never trapped on.
    var unixMilliseconds: Int64 {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite else { return 0 }
        return Int64(min(max(milliseconds, -62_135_596_800_000), 253_402_300_799_000))
    }

    /// Whether the date is one the store accepts for a measurement or receipt time.
    var isPlausibleInstant: Bool {
        let seconds = timeIntervalSince1970
        return seconds.isFinite && seconds > -62_135_596_800 && seconds < 253_402_300_799
    }

    init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}
