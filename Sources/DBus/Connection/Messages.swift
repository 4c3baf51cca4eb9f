/// A signal received from the bus.
public struct DBusSignal: Sendable, Hashable {
    /// Unique name of the sender (e.g. `:1.42`), or `org.freedesktop.DBus` for the bus itself.
    public let sender: String?
    public let path: ObjectPath
    public let interface: String
    public let member: String
    public let arguments: [DBusValue]
    /// Position of this message in the order the connection received messages (replies included); lets
    /// a client tell whether a signal came before or after a given reply (see `DBusReply.sequence`).
    public let sequence: UInt64

    public init(sender: String?, path: ObjectPath, interface: String, member: String,
                arguments: [DBusValue], sequence: UInt64) {
        self.sender = sender
        self.path = path
        self.interface = interface
        self.member = member
        self.arguments = arguments
        self.sequence = sequence
    }
}

/// A successful method reply.
public struct DBusReply: Sendable, Hashable {
    public let arguments: [DBusValue]
    /// Position in the connection's receive order, comparable with `DBusSignal.sequence`.
    public let sequence: UInt64
    public let sender: String?
}

/// A method call addressed to an object this connection exports.
public struct DBusMethodCall: Sendable, Hashable {
    public let sender: String?
    public let path: ObjectPath
    public let interface: String?
    public let member: String
    public let arguments: [DBusValue]
    /// False for calls flagged NO_REPLY_EXPECTED: no reply is sent.
    public let expectsReply: Bool

    public init(sender: String?, path: ObjectPath, interface: String?, member: String,
                arguments: [DBusValue], expectsReply: Bool = true) {
        self.sender = sender
        self.path = path
        self.interface = interface
        self.member = member
        self.arguments = arguments
        self.expectsReply = expectsReply
    }

    /// The argument at `index`, or an InvalidArgs error reply naming what was expected.
    public func argument(_ index: Int, _ what: String) throws(DBusError) -> DBusValue {
        guard arguments.indices.contains(index) else {
            throw .invalidArguments("\(member) expects \(what) as argument \(index + 1)")
        }
        return arguments[index]
    }

    /// Throws InvalidArgs unless the arguments have exactly `signature`.
    public func expectSignature(_ signature: String) throws(DBusError) {
        guard arguments.signature == signature else {
            throw .invalidArguments("\(member) takes (\(signature)), got (\(arguments.signature))")
        }
    }
}

/// How an exported object answers a method call.
public enum DBusMethodOutcome: Sendable {
    /// Reply now, on the connection thread, before any message queued later is sent.
    case reply([DBusValue])
    /// Error reply now.
    case error(DBusError)
    /// Reply when the async work finishes (it runs as its own task; thrown `DBusError.remote` errors
    /// become error replies with that name, other errors org.freedesktop.DBus.Error.Failed).
    case deferred(@Sendable () async throws(DBusError) -> [DBusValue])
}

/// Decides how a method call is answered. It runs on the connection thread and must not block: anything
/// slow belongs in `.deferred`.
public typealias DBusObjectHandler = @Sendable (DBusMethodCall) -> DBusMethodOutcome

/// Reply of org.freedesktop.DBus.RequestName.
public enum RequestNameReply: UInt32, Sendable {
    case primaryOwner = 1
    case inQueue = 2
    case exists = 3
    case alreadyOwner = 4
}

/// Flags of org.freedesktop.DBus.RequestName.
public struct RequestNameFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let allowReplacement = RequestNameFlags(rawValue: 1)
    public static let replaceExisting = RequestNameFlags(rawValue: 2)
    public static let doNotQueue = RequestNameFlags(rawValue: 4)
}

/// Well-known names of the message bus itself.
public enum BusDaemon {
    public static let name = "org.freedesktop.DBus"
    public static let path: ObjectPath = "/org/freedesktop/DBus"
    public static let interface = "org.freedesktop.DBus"
}
