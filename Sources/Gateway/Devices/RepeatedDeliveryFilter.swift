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
    /// The entries of `open` in the order their windows close, one queue per window length (each frame's window
    /// starts at its own delivery, so within one length they close in the order they opened).
    private var closing = [ClosingQueue(), ClosingQueue()]

    /// True when this frame repeats one delivered less than its window ago; otherwise remembers it.
    ///
    /// Closed windows are dropped from the front of their queue: walking the whole dictionary whenever the earliest
    /// window had closed (with a continuous oximeter, at nearly every frame) copied and scanned it, 1.4 % of the
    /// daemon's CPU under `bench resources`' 40 frames a second, and rebuilding it with `filter` for every frame
    /// before that 1.8 % (perf, issue 16).
    mutating func isRepeat(_ characteristic: GATTCharacteristic, _ bytes: [UInt8], at now: ContinuousClock.Instant) -> Bool {
        for index in closing.indices { closing[index].dropClosed(at: now, from: &open) }
        let key = Key(characteristic: characteristic, bytes: bytes)
        if let closes = open[key], now < closes { return true }
        let continuous = characteristic == .plxContinuousMeasurement
        let closes = now + (continuous ? Self.continuousWindow : Self.window)
        open[key] = closes
        closing[continuous ? 1 : 0].append(key, closes: closes)
        return false
    }

    /// Entries of one window length, oldest first; `head` is the first still queued (the array is compacted once
    /// half of it is behind).
    private struct ClosingQueue: Sendable {
        private var entries: [(key: Key, closes: ContinuousClock.Instant)] = []
        private var head = 0

        mutating func append(_ key: Key, closes: ContinuousClock.Instant) {
            entries.append((key, closes))
        }

        /// Removes from `open` every entry of this queue whose window has closed by `now`, unless the key was
        /// delivered again since and holds a later window (its own entry, further back in the queue).
        mutating func dropClosed(at now: ContinuousClock.Instant, from open: inout [Key: ContinuousClock.Instant]) {
            while head < entries.count, entries[head].closes <= now {
                let (key, closes) = entries[head]
                if open[key] == closes { open[key] = nil }
                head += 1
            }
            if head > 32, head * 2 > entries.count {
                entries.removeFirst(head)
                head = 0
            }
        }
    }
}
