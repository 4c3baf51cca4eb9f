public import Foundation
public import HealthProfiles

/// Turns the zone-less time a device stamped on a measurement into an instant, and says how sure it is.
///
/// Devices keep local wall-clock time without a zone, often drift by minutes, and come out of the box (or
/// back from a battery change) with their clock at the factory epoch. The gateway measures each device's
/// offset (device clock minus gateway clock) when it reads the device's clock at the start of a visit,
/// and corrects stamped times by it. A stamp that cannot be trusted is replaced by the time of receipt.
public struct MeasurementTime: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable, Codable {
        /// The device's stamp, corrected by the offset measured on this visit.
        case deviceClockCorrected = "device-clock-corrected"
        /// The device's stamp taken as is (no way to read the device's clock; it looked plausible).
        case deviceClock = "device-clock"
        /// The time the gateway received the frame (no stamp, or an unusable one).
        case gatewayReceipt = "gateway-receipt"
        /// Measured before the device was provisioned for this patient: a lent device's memory of its previous
        /// user, by both its corrected time and its own stamp. `instant` is the best estimate of when.
        case beforeProvisioning = "before-provisioning"
    }

    public var instant: Date
    public var source: Source
    /// Why the device's stamp was not used, when it was not.
    public var note: String?
    /// The device's clock, corrected by the offset measured on this visit, put the reading where it cannot be
    /// (a clock that jumped): a technical problem for the technician, not only a note.
    public var clockUnreliable: Bool

    public init(instant: Date, source: Source, note: String?, clockUnreliable: Bool = false) {
        self.instant = instant
        self.source = source
        self.note = note
        self.clockUnreliable = clockUnreliable
    }

    /// Devices whose clock reads before this are taken as "never set" (factory epoch, flat battery).
    public static let earliestPlausibleYear = 2020
    /// A stamp this far in the gateway's future is not believed (uncorrectable clock).
    public static let futureTolerance: TimeInterval = 10 * 60

    /// A corrected time further back than this before its receipt is not believed: no health device keeps a
    /// reading that long, while a clock that jumped forward by years after the reading (a cuff's read-only
    /// clock at 2099, issue 11) would otherwise "correct" it decades into the past.
    public static let maximumAge: TimeInterval = 400 * 86_400

    /// - Parameter notBefore: when the device was provisioned for this patient. A corrected time before it
    ///   means either the reading is older than this patient's use of the device (a lent device's memory) or
    ///   the offset measured now does not apply to it (the clock jumped since). When the reading's own stamp
    ///   is plausible and also before it (`futureTolerance` margin), it is the previous user's:
    ///   `.beforeProvisioning`. When the stamp is after it, the stamp is used; else the time of receipt, with
    ///   a note either way. Without an offset, a plausible stamp before it is likewise `.beforeProvisioning`.
    ///   Undated readings cannot be told apart and are always taken as this patient's.
    public static func resolve(
        deviceTime: DeviceDateTime?, receivedAt: Date, timeZone: TimeZone, clockOffset: TimeInterval?,
        notBefore: Date? = nil
    ) -> MeasurementTime {
        guard let deviceTime else { return MeasurementTime(instant: receivedAt, source: .gatewayReceipt, note: nil) }
        guard deviceTime.isComplete, let year = deviceTime.year, let stamped = instant(of: deviceTime, in: timeZone) else {
            return MeasurementTime(instant: receivedAt, source: .gatewayReceipt, note: "device time incomplete (\(deviceTime))")
        }
        if let clockOffset {
            // The offset was measured on this visit: a clock that is wrong but running still dates its
            // stored readings correctly relative to now, even a clock that was never set.
            let corrected = stamped.addingTimeInterval(-clockOffset)
            if corrected.timeIntervalSince(receivedAt) > futureTolerance {
                // The clock was set back after this reading was stamped (a battery change reset it to the
                // factory epoch): today's offset does not apply to it. Its own stamp, if plausible, is the
                // best estimate; otherwise the time of receipt.
                if year >= earliestPlausibleYear, stamped.timeIntervalSince(receivedAt) <= futureTolerance {
                    return MeasurementTime(instant: stamped, source: .deviceClock,
                                           note: "device clock set back since this reading; its own stamp used")
                }
                return MeasurementTime(instant: receivedAt, source: .gatewayReceipt, note: "corrected device time lies in the future")
            }
            if let reason = implausiblyOld(corrected, receivedAt: receivedAt, notBefore: notBefore) {
                // Both clocks agree the reading predates this patient: the previous user's, never this one's. Its
                // corrected time is right unless the clock jumped by more than a memory span (then its own stamp).
                if year >= earliestPlausibleYear, isBeforeProvisioning(corrected, notBefore),
                   isBeforeProvisioning(stamped, notBefore) {
                    let withinMemory = receivedAt.timeIntervalSince(corrected) <= maximumAge
                    return MeasurementTime(instant: withinMemory ? corrected : stamped, source: .beforeProvisioning,
                                           note: "measured before the device was provisioned (corrected time and own stamp)",
                                           clockUnreliable: !withinMemory)
                }
                // The clock jumped forward since this reading was stamped: today's offset does not apply to it.
                if year >= earliestPlausibleYear, stamped.timeIntervalSince(receivedAt) <= futureTolerance,
                   implausiblyOld(stamped, receivedAt: receivedAt, notBefore: notBefore) == nil {
                    return MeasurementTime(instant: stamped, source: .deviceClock,
                                           note: "device clock jumped forward since this reading (corrected time \(reason)); its own stamp used",
                                           clockUnreliable: true)
                }
                // Before provisioning by its corrected time, within a device's memory span, but stamped by a clock
                // never set (which cannot confirm it): memory the device held already, or a clock restarted since;
                // its time is kept and, unconfirmed, it is taken as this patient's (README, "Lent devices").
                if receivedAt.timeIntervalSince(corrected) <= maximumAge {
                    return MeasurementTime(instant: corrected, source: .deviceClockCorrected,
                                           note: "measured before the device was provisioned")
                }
                return MeasurementTime(instant: receivedAt, source: .gatewayReceipt, note: "corrected device time \(reason)",
                                       clockUnreliable: true)
            }
            return MeasurementTime(instant: corrected, source: .deviceClockCorrected, note: nil)
        }
        if year < earliestPlausibleYear {
            return MeasurementTime(instant: receivedAt, source: .gatewayReceipt, note: "device clock not set (\(deviceTime))")
        }
        if stamped.timeIntervalSince(receivedAt) > futureTolerance {
            return MeasurementTime(instant: receivedAt, source: .gatewayReceipt, note: "device time lies in the future (\(deviceTime))")
        }
        if isBeforeProvisioning(stamped, notBefore) {
            return MeasurementTime(instant: stamped, source: .beforeProvisioning,
                                   note: "measured before the device was provisioned (own stamp)")
        }
        return MeasurementTime(instant: stamped, source: .deviceClock, note: nil)
    }

    /// Whether `instant` lies before `notBefore` by more than the margin a drifting clock is allowed.
    static func isBeforeProvisioning(_ instant: Date, _ notBefore: Date?) -> Bool {
        guard let notBefore else { return false }
        return instant < notBefore.addingTimeInterval(-futureTolerance)
    }

    /// Why `instant` cannot be when a reading received at `receivedAt` was measured, if it cannot.
    static func implausiblyOld(_ instant: Date, receivedAt: Date, notBefore: Date?) -> String? {
        if isBeforeProvisioning(instant, notBefore) {
            return "lies before the device was provisioned"
        }
        if receivedAt.timeIntervalSince(instant) > maximumAge { return "lies more than \(Int(maximumAge / 86_400)) days back" }
        return nil
    }

    /// The instant a zone-less wall-clock time names in `timeZone`. In the autumn overlap hour the earlier
    /// instant is chosen; a time in the spring gap (which no clock in the zone shows) moves forward.
    public static func instant(of time: DeviceDateTime, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(
            year: time.year, month: time.month, day: time.day, hour: time.hours, minute: time.minutes, second: time.seconds)
        return calendar.date(from: components)
    }

    /// The gateway's current wall-clock time in `timeZone`, as a device would show it: what the gateway
    /// writes to a device's Current Time characteristic.
    public static func wallClock(of instant: Date, in timeZone: TimeZone) -> DeviceDateTime? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
              let minute = parts.minute, let second = parts.second
        else { return nil }
        return try? DeviceDateTime(year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second)
    }
}
