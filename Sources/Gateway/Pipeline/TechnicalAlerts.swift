import CancellableTimers
public import Foundation
public import Logging
import Synchronization

/// Problems of the hub itself (not of the patient): storage full, bluetoothd gone, forwarding failing, a device
/// flooding the hub (one alert per device).
/// They are logged at critical level once when raised and shown by `dhoctl status` and `dhoctl doctor`
/// until cleared; they never reach the patient-facing hook, because the patient cannot act on them.
public final class TechnicalAlerts: Sendable {
    public enum Code: String, Sendable, Codable, CaseIterable {
        case storageFull = "storage-full"
        case bluetoothUnavailable = "bluetooth-unavailable"
        case forwardingFailing = "forwarding-failing"
        case deviceFlooding = "device-flooding"
        /// A red reading or an alert Flag was rejected by the centre and is parked (`ParkedItemsAlarm`).
        case urgentDataParked = "urgent-data-parked"
        /// A device's corrected clock put a reading where it cannot be (before provisioning, decades back).
        case deviceClockUnreliable = "device-clock-unreliable"
        /// A device sent a physiologically impossible value (a device error, withheld from triage and the centre).
        case implausibleValue = "implausible-value"
        /// A patient cue (speech, LED) could not be given: no audio device, a missing LED.
        case patientCueFailing = "patient-cue-failing"
        /// A device refuses the hub's bond (battery change, reset): no readings until `dhoctl pair --renew`.
        case deviceBondLost = "device-bond-lost"
        /// An Omron cuff handed the patient's records to another bonded phone or app (`OmronRecordWatch`).
        case deviceRecordsTakenElsewhere = "device-records-taken-elsewhere"
        /// No access token for the centre: the token service is down or refuses the hub's credentials, or the
        /// centre refuses the token. Readings wait; nothing is parked for it.
        case centreAuthenticationFailing = "centre-authentication-failing"
        /// A provisioned device has not been seen for `centre: device-silent-after` (broken, lost, flat battery).
        case deviceNotSeen = "device-not-seen"
        /// A device's Battery Level is below `centre: battery-low-below` percent.
        case batteryLow = "battery-low"
    }

    public struct Alert: Sendable, Codable, Equatable {
        public var code: Code
        public var message: String
        public var since: Date
        /// The device the problem is about, for per-device problems.
        public var device: String?
    }

    private struct Key: Hashable {
        var code: Code
        var device: String?
    }

    private let active = Mutex<[Key: Alert]>([:])
    /// Signalled whenever an alert is raised, takes a new reason or is cleared (`waitForChange`).
    private let changes = WakeSignal()
    private let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// Raises the alert (logged once). `updatingReason`: a standing alert takes the new message (and it is
    /// logged again), for problems whose cause can change while they last (the token service first down, then
    /// refusing the hub).
    public func raise(_ code: Code, _ message: String, device: String? = nil, updatingReason: Bool = false) {
        let key = Key(code: code, device: device)
        let isNew = active.withLock { alerts -> Bool in
            if updatingReason, let standing = alerts[key], standing.message != message {
                alerts[key]?.message = message
                return true
            }
            guard alerts[key] == nil else { return false }
            alerts[key] = Alert(code: code, message: message, since: Date(), device: device)
            return true
        }
        if isNew {
            logger.critical("\(message)", metadata: metadata(key))
            changes.signal()
        }
    }

    public func clear(_ code: Code, device: String? = nil) {
        let key = Key(code: code, device: device)
        // Asked for several codes with every reading; almost always nothing stands, and then the key is not hashed
        // (its code hashes through its String raw value: 0.4 % of the daemon under load, issue 16).
        let wasActive = active.withLock { $0.isEmpty ? false : $0.removeValue(forKey: key) != nil }
        if wasActive {
            logger.notice("resolved: \(code.rawValue)", metadata: metadata(key))
            changes.signal()
        }
    }

    private func metadata(_ key: Key) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["technical-alert": "\(key.code.rawValue)"]
        if let device = key.device { metadata["device"] = "\(device)" }
        return metadata
    }

    /// Returns when an alert was raised or cleared since the last call, or after `limit` (or on cancellation):
    /// what reports alerts elsewhere waits on this rather than polling.
    public func waitForChange(atMost limit: Duration) async {
        await changes.wait(atMost: limit)
    }

    public var current: [Alert] { active.withLock { $0.values.sorted { $0.since < $1.since } } }
}
