import Foundation

// Instants are stored as integer milliseconds since 1970 UTC: exact comparisons in SQL, no time-zone text.
extension Date {
    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}
