public import Foundation
public import Logging
import Synchronization

/// Problems of the hub itself (not of the patient): storage full, bluetoothd gone, forwarding failing.
/// They are logged at critical level once when raised and shown by `dhoctl status` and `dhoctl doctor`
/// until cleared; they never reach the patient-facing hook, because the patient cannot act on them.
public final class TechnicalAlerts: Sendable {
    public enum Code: String, Sendable, Codable, CaseIterable {
        case storageFull = "storage-full"
        case bluetoothUnavailable = "bluetooth-unavailable"
        case forwardingFailing = "forwarding-failing"
        /// A red reading or an alert Flag was rejected by the centre and is parked (`ParkedItemsAlarm`).
        case urgentDataParked = "urgent-data-parked"
    }

    public struct Alert: Sendable, Codable, Equatable {
        public var code: Code
        public var message: String
        public var since: Date
    }

    private let active = Mutex<[Code: Alert]>([:])
    private let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func raise(_ code: Code, _ message: String) {
        let isNew = active.withLock { alerts -> Bool in
            guard alerts[code] == nil else { return false }
            alerts[code] = Alert(code: code, message: message, since: Date())
            return true
        }
        if isNew { logger.critical("\(message)", metadata: ["technical-alert": "\(code.rawValue)"]) }
    }

    public func clear(_ code: Code) {
        let wasActive = active.withLock { $0.removeValue(forKey: code) != nil }
        if wasActive { logger.notice("resolved: \(code.rawValue)", metadata: ["technical-alert": "\(code.rawValue)"]) }
    }

    public var current: [Alert] { active.withLock { $0.values.sorted { $0.since < $1.since } } }
}
