/// Duration to plain numbers, written once for every module: seconds for Foundation's `TimeInterval` and for
/// reports, whole milliseconds for C APIs (libcurl) and jitter. (The DBus module, which depends on nothing of
/// ours, keeps its own rounding for libdbus's `Int32` timeouts.)
extension Duration {
    /// The duration in seconds, fractions included.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in whole milliseconds, the fraction dropped; saturates instead of overflowing.
    public var inMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return overflowAgain ? (seconds < 0 ? .min : .max) : total
    }
}
