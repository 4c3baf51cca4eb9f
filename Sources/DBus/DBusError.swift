/// Everything that can go wrong talking D-Bus, as one typed error.
public enum DBusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bus could not be reached or refused us (bad address, no daemon, authentication failure).
    case connectionFailed(String)
    /// The connection to the bus is gone (closed locally or dropped by the daemon).
    case disconnected
    /// No reply arrived within the call's timeout (org.freedesktop.DBus.Error.NoReply / Timeout).
    case timedOut(String)
    /// The peer answered with an error reply. Handlers throw this to send an error reply.
    case remote(name: String, message: String)
    /// A value, name or path was refused before anything was sent.
    case invalidValue(String)
    /// A reply or message did not have the expected shape.
    case unexpectedReply(String)
    /// The waiting task was cancelled.
    case cancelled
    /// libdbus could not allocate memory.
    case outOfMemory

    public var description: String {
        switch self {
        case .connectionFailed(let why): "D-Bus connection failed: \(why)"
        case .disconnected: "D-Bus connection closed"
        case .timedOut(let what): "D-Bus call timed out: \(what)"
        case .remote(let name, let message): message.isEmpty ? name : "\(name): \(message)"
        case .invalidValue(let why): "invalid D-Bus value: \(why)"
        case .unexpectedReply(let why): "unexpected D-Bus reply: \(why)"
        case .cancelled: "D-Bus call cancelled"
        case .outOfMemory: "libdbus out of memory"
        }
    }

    /// The error name when this is an error reply.
    public var remoteName: String? {
        if case .remote(let name, _) = self { name } else { nil }
    }

    /// The error message when this is an error reply.
    public var remoteMessage: String? {
        if case .remote(_, let message) = self { message } else { nil }
    }

    /// Maps an error name and message as received on the bus to the most specific case.
    public static func fromReply(name: String, message: String) -> DBusError {
        switch name {
        case StandardErrors.noReply, StandardErrors.timeout, StandardErrors.timedOut:
            .timedOut(message.isEmpty ? name : message)
        case StandardErrors.disconnected:
            .disconnected
        default:
            .remote(name: name, message: message)
        }
    }

    // Convenience constructors for handlers that answer with the standard errors.
    public static func unknownMethod(_ message: String) -> DBusError {
        .remote(name: StandardErrors.unknownMethod, message: message)
    }

    public static func unknownObject(_ message: String) -> DBusError {
        .remote(name: StandardErrors.unknownObject, message: message)
    }

    public static func invalidArguments(_ message: String) -> DBusError {
        .remote(name: StandardErrors.invalidArgs, message: message)
    }

    public static func failed(_ message: String) -> DBusError {
        .remote(name: StandardErrors.failed, message: message)
    }
}

/// Names of the errors the D-Bus specification and the reference daemon define.
public enum StandardErrors {
    public static let failed = "org.freedesktop.DBus.Error.Failed"
    public static let noReply = "org.freedesktop.DBus.Error.NoReply"
    public static let timeout = "org.freedesktop.DBus.Error.Timeout"
    public static let timedOut = "org.freedesktop.DBus.Error.TimedOut"
    public static let disconnected = "org.freedesktop.DBus.Error.Disconnected"
    public static let serviceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
    public static let nameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner"
    public static let unknownMethod = "org.freedesktop.DBus.Error.UnknownMethod"
    public static let unknownObject = "org.freedesktop.DBus.Error.UnknownObject"
    public static let unknownInterface = "org.freedesktop.DBus.Error.UnknownInterface"
    public static let unknownProperty = "org.freedesktop.DBus.Error.UnknownProperty"
    public static let propertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly"
    public static let invalidArgs = "org.freedesktop.DBus.Error.InvalidArgs"
    public static let accessDenied = "org.freedesktop.DBus.Error.AccessDenied"
}
