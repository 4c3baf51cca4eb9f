import HealthProfiles

/// Recognises one notification or indication that bluetoothd reported twice.
///
/// A BlueZ has been seen to report each indication twice, ~100 ms apart. A frame with a time stamp or a
/// sequence number is then recognised by the store as the same measurement, but a frame without either (a
/// thermometer without a clock) would be stored twice. So the same bytes on the same characteristic within
/// `window` of their first delivery are one delivery, not two measurements.
///
/// Why a real repeat measurement is never merged: a spot-check device (cuff, thermometer, scale, oximeter
/// spot-check, glucometer) needs far longer than a second to take a measurement, so two genuine ones are never
/// this close; a stored record replayed within the second is the same record. A continuous oximeter is the
/// exception: it sends one to a few samples a second, and identical consecutive samples are the normal, stable
/// case that its settling (`ContinuousOximetrySettler`) counts. For PLX Continuous the window is therefore
/// `continuousWindow` (150 ms), still longer than the ~100 ms after which a BlueZ repeats a delivery and
/// shorter than the interval of any oximeter stream (at most about 6 samples a second).
/// Intermediate frames (cuff pressure, settling temperature) are never
/// stored, so merging them changes nothing. The window is measured on the monotonic clock, from the first
/// delivery (a third copy later than that counts again). It covers one transfer: the processor starts a new
/// filter at the end of each transfer (`flush`, at the end of a visit) and with each Record Access Control Point
/// request, whose records and answer may repeat the previous transfer's bytes within a second without being
/// repeated deliveries. Inside a transfer it applies to every frame, the RACP answer included.
struct RepeatedDeliveryFilter: Sendable {
    static let window: Duration = .seconds(1)
    static let continuousWindow: Duration = .milliseconds(150)

    private struct Key: Hashable, Sendable {
        var characteristic: GATTCharacteristic
        var bytes: [UInt8]
    }

    /// First deliveries with the instant their window closes; an entry whose window has closed counts for nothing
    /// and is dropped by the next prune.
    private var open: [Key: ContinuousClock.Instant] = [:]
    /// When the earliest window in `open` closes: nothing to prune before then.
    private var nextClose: ContinuousClock.Instant?

    /// True when this frame repeats one delivered less than its window ago; otherwise remembers it.
    ///
    /// Closed windows are pruned only once the earliest one has closed, in place: rebuilding the dictionary with
    /// `filter` for every frame (each key's bytes hashed again) was 1.8 % of the daemon's CPU under `bench
    /// resources`' 40 frames a second (perf, issue 16).
    mutating func isRepeat(_ characteristic: GATTCharacteristic, _ bytes: [UInt8], at now: ContinuousClock.Instant) -> Bool {
        if let nextClose, nextClose <= now { prune(at: now) }
        let key = Key(characteristic: characteristic, bytes: bytes)
        if let closes = open[key], now < closes { return true }
        let closes = now + (characteristic == .plxContinuousMeasurement ? Self.continuousWindow : Self.window)
        open[key] = closes
        nextClose = min(nextClose ?? closes, closes)
        return false
    }

    private mutating func prune(at now: ContinuousClock.Instant) {
        for (key, closes) in open where closes <= now { open[key] = nil }
        nextClose = open.values.min()
    }
}
