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
/// this close; a stored record replayed within the second is the same record; a continuous oximeter sends about
/// one sample a second whose values usually change. Two *identical* continuous samples inside the window are
/// merged, which loses nothing: the same values at (nearly) the same instant, and the gateway keeps only one
/// continuous sample a minute anyway. Intermediate frames (cuff pressure, settling temperature) are never
/// stored, so merging them changes nothing. The window is measured on the monotonic clock, from the first
/// delivery (a third copy later than that counts again). It covers one transfer: the processor starts a new
/// filter at the end of each transfer (`flush`, at the end of a visit) and with each Record Access Control Point
/// request, whose records and answer may repeat the previous transfer's bytes within a second without being
/// repeated deliveries. Inside a transfer it applies to every frame, the RACP answer included.
struct RepeatedDeliveryFilter: Sendable {
    static let window: Duration = .seconds(1)

    private struct Key: Hashable, Sendable {
        var characteristic: GATTCharacteristic
        var bytes: [UInt8]
    }

    /// First deliveries inside the window, oldest first, and the same as a set for lookup.
    private var recent: [(key: Key, at: ContinuousClock.Instant)] = []
    private var firstSeen: [Key: ContinuousClock.Instant] = [:]

    /// True when this frame repeats one delivered less than `window` ago; otherwise remembers it.
    mutating func isRepeat(_ characteristic: GATTCharacteristic, _ bytes: [UInt8], at now: ContinuousClock.Instant) -> Bool {
        let expired = recent.prefix { now - $0.at >= Self.window }
        for entry in expired where firstSeen[entry.key] == entry.at { firstSeen[entry.key] = nil }
        recent.removeFirst(expired.count)
        let key = Key(characteristic: characteristic, bytes: bytes)
        if firstSeen[key] != nil { return true }
        firstSeen[key] = now
        recent.append((key, now))
        return false
    }
}
