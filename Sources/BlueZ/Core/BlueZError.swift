public import DBus

/// The suffix of an `org.bluez.Error.*` name, with the ones BlueZ documents as constants.
public struct BlueZErrorName: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The full D-Bus error name, e.g. `org.bluez.Error.Failed`.
    public var fullName: String { BlueZNames.errorPrefix + rawValue }
    public var description: String { fullName }

    public static let failed = BlueZErrorName(rawValue: "Failed")
    public static let inProgress = BlueZErrorName(rawValue: "InProgress")
    /// bluetoothd is still changing the setting (5.66 answers a Set of Powered so while it powers the adapter).
    public static let busy = BlueZErrorName(rawValue: "Busy")
    public static let notReady = BlueZErrorName(rawValue: "NotReady")
    public static let notSupported = BlueZErrorName(rawValue: "NotSupported")
    public static let notAvailable = BlueZErrorName(rawValue: "NotAvailable")
    public static let notConnected = BlueZErrorName(rawValue: "NotConnected")
    public static let alreadyConnected = BlueZErrorName(rawValue: "AlreadyConnected")
    public static let alreadyExists = BlueZErrorName(rawValue: "AlreadyExists")
    public static let doesNotExist = BlueZErrorName(rawValue: "DoesNotExist")
    public static let notPermitted = BlueZErrorName(rawValue: "NotPermitted")
    public static let notAuthorized = BlueZErrorName(rawValue: "NotAuthorized")
    public static let invalidArguments = BlueZErrorName(rawValue: "InvalidArguments")
    public static let invalidValueLength = BlueZErrorName(rawValue: "InvalidValueLength")
    public static let invalidOffset = BlueZErrorName(rawValue: "InvalidOffset")
    public static let authenticationFailed = BlueZErrorName(rawValue: "AuthenticationFailed")
    public static let authenticationCanceled = BlueZErrorName(rawValue: "AuthenticationCanceled")
    public static let authenticationRejected = BlueZErrorName(rawValue: "AuthenticationRejected")
    public static let authenticationTimeout = BlueZErrorName(rawValue: "AuthenticationTimeout")
    public static let connectionAttemptFailed = BlueZErrorName(rawValue: "ConnectionAttemptFailed")
    /// Agent replies.
    public static let rejected = BlueZErrorName(rawValue: "Rejected")
    public static let canceled = BlueZErrorName(rawValue: "Canceled")
}

/// Everything the BlueZ client can fail with.
public enum BlueZError: Error, Sendable, Hashable, CustomStringConvertible {
    /// bluetoothd answered with an `org.bluez.Error.*` reply.
    case bluez(BlueZErrorName, message: String)
    /// Any other D-Bus failure: transport, timeout, unknown object or method.
    case dbus(DBusError)
    /// org.bluez is not on the bus (bluetoothd not running, or it went away while we waited).
    case serviceUnavailable
    /// An awaited state did not arrive in time.
    case timedOut(String)
    /// An object or interface that should be there is not.
    case notFound(String)
    /// bluetoothd sent something of an unexpected shape.
    case unexpected(String)
    /// The waiting task was cancelled.
    case cancelled

    /// Classifies a D-Bus error: BlueZ error replies, a missing service and cancellation get their own case.
    public init(_ error: DBusError) {
        switch error {
        case .remote(let name, let message) where name.hasPrefix(BlueZNames.errorPrefix):
            self = .bluez(BlueZErrorName(rawValue: String(name.dropFirst(BlueZNames.errorPrefix.count))),
                          message: message)
        case .remote(StandardErrors.serviceUnknown, _), .remote(StandardErrors.nameHasNoOwner, _):
            self = .serviceUnavailable
        case .cancelled:
            self = .cancelled
        default:
            self = .dbus(error)
        }
    }

    public var description: String {
        switch self {
        case .bluez(let name, let message): message.isEmpty ? name.fullName : "\(name.fullName): \(message)"
        case .dbus(let error): error.description
        case .serviceUnavailable: "bluetoothd (org.bluez) is not available"
        case .timedOut(let what): "timed out waiting for \(what)"
        case .notFound(let what): "not found: \(what)"
        case .unexpected(let what): "unexpected reply from bluetoothd: \(what)"
        case .cancelled: "cancelled"
        }
    }

    /// The BlueZ error name, when this is a BlueZ error reply.
    public var bluezName: BlueZErrorName? {
        if case .bluez(let name, _) = self { name } else { nil }
    }

    /// The LE link was torn down while connecting: `le-connection-abort-by-local` (BlueZ ≥ 5.56 reports
    /// it as the message of org.bluez.Error.Failed) or the older "Software caused connection abort".
    /// Common and transient; worth retrying after the disconnect event.
    public var isConnectionAbort: Bool {
        guard case .bluez(let name, let message) = self, name == .failed || name == .connectionAttemptFailed
        else { return false }
        let lowered = message.lowercased()
        return lowered.contains("le-connection-abort-by-local") || lowered.contains("software caused connection abort")
    }

    /// Failures of Connect() that a later attempt can plausibly fix.
    public var isRetryableConnectFailure: Bool {
        if isConnectionAbort { return true }
        switch self {
        case .bluez(.inProgress, _), .bluez(.notReady, _), .bluez(.connectionAttemptFailed, _):
            return true
        case .bluez(.failed, let message):
            let lowered = message.lowercased()
            return lowered.contains("page-timeout") || lowered.contains("le-connection-timeout")
                || lowered.contains("connection timed out") || lowered.contains("host is down")
        case .dbus(.timedOut):
            return true
        default:
            return false
        }
    }

    /// The device lost its bond (battery change, factory reset) and refuses the keys bluetoothd still holds for it:
    /// Connect() or the first access to an encrypted characteristic fails with org.bluez.Error.AuthenticationFailed,
    /// or with the HCI reason "PIN or Key Missing". No retry can help; the stale bond must be removed and the
    /// device paired again.
    public var isBondLoss: Bool {
        guard case let .bluez(name, message) = self else { return false }
        let text = message.lowercased()
        return name == .authenticationFailed || text.contains("key missing") || text.contains("key-missing")
    }

    /// The ATT error code of a failed GATT request, which bluetoothd reports only in the message of
    /// org.bluez.Error.Failed ("Operation failed with ATT error: 0x80"); nil for any other error.
    public var attErrorCode: UInt8? {
        guard case let .bluez(.failed, message) = self else { return nil }
        let text = message.lowercased()
        guard let marker = text.ranges(of: "att error: 0x").last else { return nil }
        return UInt8(text[marker.upperBound...], radix: 16)
    }

    /// The object is gone from bluetoothd (device removed, adapter unplugged).
    public var isObjectGone: Bool {
        switch self {
        case .dbus(.remote(StandardErrors.unknownObject, _)), .dbus(.remote(StandardErrors.unknownMethod, _)),
             .bluez(.doesNotExist, _):
            true
        default:
            false
        }
    }
}
