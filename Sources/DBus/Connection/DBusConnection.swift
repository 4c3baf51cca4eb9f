public import Logging
import Synchronization

// Written by hand on top of libdbus-1: none of the Swift packages available to this project speaks D-Bus,
// and the few public Swift D-Bus wrappers either block a thread in dbus_connection_read_write_dispatch
// (which libdbus does not wake when another thread sends) or predate Swift 6 strict concurrency.

/// A connection to a D-Bus message bus with a Swift-concurrency API.
///
/// The libdbus connection lives on its own thread (`EventLoop`); this class only hands work to it, so
/// it is safe to use from any task. Signals arrive through `AsyncStream`s in the order the bus sent them;
/// method calls to exported objects reach `DBusObjectHandler`s.
public final class DBusConnection: Sendable {
    public enum Bus: Sendable, Hashable {
        /// The system bus; libdbus honours `DBUS_SYSTEM_BUS_ADDRESS` when it is set.
        case system
        /// The session bus (`DBUS_SESSION_BUS_ADDRESS`).
        case session
        /// Any bus by address, e.g. a private test bus `unix:path=/tmp/x/bus`.
        case address(String)
    }

    /// The unique name the bus gave this connection, e.g. `:1.7`.
    public let uniqueName: String
    let core: ConnectionCore
    private let nextID = Atomic<UInt64>(1)

    private init(core: ConnectionCore, uniqueName: String) {
        self.core = core
        self.uniqueName = uniqueName
    }

    deinit {
        let core = core
        core.loop.stop { core.shutdown() }
    }

    /// Connects to `bus` and registers with it.
    public static func connect(to bus: Bus, logger: Logger = Logger(label: "dbus")) async throws(DBusError)
        -> DBusConnection
    {
        let loop = try EventLoop()
        let core = ConnectionCore(loop: loop, logger: logger)
        try loop.start(threadName: "dbus-loop")
        let result: Result<String, DBusError> = await withCheckedContinuation { continuation in
            let accepted = loop.enqueue { continuation.resume(returning: core.open(bus)) }
            if !accepted { continuation.resume(returning: .failure(.disconnected)) }
        }
        switch result {
        case .success(let uniqueName):
            return DBusConnection(core: core, uniqueName: uniqueName)
        case .failure(let error):
            loop.stop { core.shutdown() }
            throw error
        }
    }

    /// Closes the connection: outstanding calls fail with `.disconnected`, signal streams finish.
    public func close() async {
        let core = core
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let stopping = core.loop.stop {
                core.shutdown()
                continuation.resume()
            }
            if !stopping { continuation.resume() }
        }
    }

    func makeID() -> UInt64 {
        nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// Runs `body` on the connection thread and returns its result.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (ConnectionCore) -> T) async throws(DBusError) -> T {
        let core = core
        let result: T? = await withCheckedContinuation { continuation in
            let accepted = core.loop.enqueue { continuation.resume(returning: body(core)) }
            if !accepted { continuation.resume(returning: nil) }
        }
        guard let result else { throw .disconnected }
        return result
    }

    // MARK: Method calls

    /// Calls a method and returns its reply arguments.
    public func call(destination: String, path: ObjectPath, interface: String, member: String,
                     arguments: [DBusValue] = [], timeout: Duration = .seconds(25)) async throws(DBusError)
        -> [DBusValue]
    {
        try await callForReply(destination: destination, path: path, interface: interface, member: member,
                               arguments: arguments, timeout: timeout).arguments
    }

    /// Calls a method and returns the reply with its receive sequence number.
    public func callForReply(destination: String, path: ObjectPath, interface: String, member: String,
                             arguments: [DBusValue] = [], timeout: Duration = .seconds(25)) async throws(DBusError)
        -> DBusReply
    {
        try Self.validateOutgoing(destination: destination, interface: interface, member: member, arguments: arguments)
        let request = ConnectionCore.CallRequest(
            destination: destination, path: path, interface: interface, member: member, arguments: arguments,
            timeoutMilliseconds: DBusConnection.milliseconds(timeout), expectsReply: true)
        return try await perform(request)
    }

    /// Sends a method call flagged NO_REPLY_EXPECTED.
    public func send(destination: String, path: ObjectPath, interface: String, member: String,
                     arguments: [DBusValue] = []) async throws(DBusError) {
        try Self.validateOutgoing(destination: destination, interface: interface, member: member, arguments: arguments)
        let request = ConnectionCore.CallRequest(
            destination: destination, path: path, interface: interface, member: member, arguments: arguments,
            timeoutMilliseconds: -1, expectsReply: false)
        _ = try await perform(request)
    }

    private func perform(_ request: ConnectionCore.CallRequest) async throws(DBusError) -> DBusReply {
        let core = core
        let state = CallState()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                guard state.install(continuation) else {
                    continuation.resume(returning: .failure(.cancelled))
                    return
                }
                if !core.loop.enqueue({ core.startCall(request, state: state) }) {
                    state.resume(.failure(.disconnected))
                }
            }
        } onCancel: {
            if state.cancel() { core.loop.enqueue { core.cancelCall(state) } }
        }
        return try result.get()
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
        guard !milliseconds.overflow else { return Int32.max }
        return max(1, Int32(clamping: milliseconds.partialValue + attoseconds / 1_000_000_000_000_000))
    }

    /// The names and values of an outgoing call or signal, checked before anything is handed to the event-loop
    /// thread, so that a bad one is a typed error for the caller.
    static func validateOutgoing(destination: String?, interface: String, member: String, arguments: [DBusValue])
        throws(DBusError)
    {
        if let destination { try DBusNames.validateBusName(destination) }
        try DBusNames.validateInterface(interface)
        try DBusNames.validateMember(member)
        for argument in arguments { try argument.validate() }
    }

    // MARK: Signals

    /// Emits a signal (to everyone, or to `destination` only). Signals and replies leave in the order
    /// they were handed over.
    public func emitSignal(path: ObjectPath, interface: String, member: String, arguments: [DBusValue] = [],
                           destination: String? = nil) throws(DBusError) {
        try Self.validateOutgoing(destination: destination, interface: interface, member: member, arguments: arguments)
        let core = core
        guard core.loop.enqueue({
            core.sendSignal(path: path, interface: interface, member: member, arguments: arguments,
                            destination: destination)
        }) else { throw .disconnected }
    }

    /// Subscribes to the signals matching any of `rules`; they are delivered in bus order through one
    /// stream, so related signals (e.g. InterfacesAdded then PropertiesChanged) keep their order.
    /// Ending the iteration (or dropping the stream) removes the match rules again.
    public func signals(matching rules: [MatchRule]) async throws(DBusError) -> AsyncStream<DBusSignal> {
        guard !rules.isEmpty else { throw .invalidValue("no match rules") }
        for rule in rules { try rule.validate() }
        let core = core
        let id = makeID()
        let (stream, continuation) = AsyncStream.makeStream(of: DBusSignal.self, bufferingPolicy: .unbounded)
        continuation.onTermination = { _ in core.loop.enqueue { core.removeSubscription(id) } }
        guard core.loop.enqueue({ core.addSubscription(id, rules: rules, continuation: continuation) }) else {
            continuation.finish()
            throw .disconnected
        }
        do {
            for name in Set(rules.filter(\.senderIsWellKnown).compactMap(\.sender)) {
                try await trackOwner(of: name)
            }
            for rule in rules {
                _ = try await busCall("AddMatch", [.string(rule.description)])
            }
        } catch {
            continuation.finish()
            throw error
        }
        return stream
    }

    /// Convenience for a single rule.
    public func signals(matching rule: MatchRule) async throws(DBusError) -> AsyncStream<DBusSignal> {
        try await signals(matching: [rule])
    }

    /// Keeps the owner of a well-known name known locally, so rules with that sender match correctly.
    private func trackOwner(of name: String) async throws(DBusError) {
        let isNew = try await onLoop { $0.track(name) }
        if isNew {
            _ = try await busCall("AddMatch", [.string(MatchRule.nameOwnerChanged(name).description)])
        }
        let owner: String
        let sequence: UInt64
        do {
            let reply = try await callForReply(destination: BusDaemon.name, path: BusDaemon.path,
                                               interface: BusDaemon.interface, member: "GetNameOwner",
                                               arguments: [.string(name)])
            owner = reply.arguments.first?.stringValue ?? ""
            sequence = reply.sequence
        } catch .remote(StandardErrors.nameHasNoOwner, _) {
            owner = ""
            sequence = 0
        }
        try await onLoop { $0.recordOwner(owner, of: name, sequence: sequence) }
    }

    // MARK: Exported objects

    /// Routes method calls for `path` (and, with `subtree`, every path below it that has no registration
    /// of its own) to `handler`. Calls to unregistered paths get org.freedesktop.DBus.Error.UnknownObject.
    @discardableResult
    public func register(path: ObjectPath, subtree: Bool = false, handler: @escaping DBusObjectHandler)
        -> DBusRegistration
    {
        let core = core
        let registration = ConnectionCore.Registration(id: makeID(), subtree: subtree, handler: handler)
        core.loop.enqueue { core.addRegistration(registration, at: path) }
        return DBusRegistration(core: core, id: registration.id, path: path)
    }

    /// Exports an object whose every method call is answered by an async handler.
    @discardableResult
    public func export(path: ObjectPath,
                       handler: @escaping @Sendable (DBusMethodCall) async throws(DBusError) -> [DBusValue])
        -> DBusRegistration
    {
        register(path: path) { call in .deferred { () async throws(DBusError) -> [DBusValue] in try await handler(call) } }
    }

    // MARK: Bus names

    /// org.freedesktop.DBus.RequestName.
    public func requestName(_ name: String, flags: RequestNameFlags = [.doNotQueue]) async throws(DBusError)
        -> RequestNameReply
    {
        try DBusNames.validateBusName(name)
        let reply = try await busCall("RequestName", [.string(name), .uint32(flags.rawValue)])
        guard let code = reply.first?.uint32Value, let result = RequestNameReply(rawValue: code) else {
            throw .unexpectedReply("RequestName answered \(reply)")
        }
        return result
    }

    /// org.freedesktop.DBus.ReleaseName.
    public func releaseName(_ name: String) async throws(DBusError) {
        try DBusNames.validateBusName(name)
        _ = try await busCall("ReleaseName", [.string(name)])
    }

    /// The unique name owning `name`, nil when nobody does.
    public func nameOwner(of name: String) async throws(DBusError) -> String? {
        try DBusNames.validateBusName(name)
        do {
            return try await busCall("GetNameOwner", [.string(name)]).first?.stringValue
        } catch .remote(StandardErrors.nameHasNoOwner, _) {
            return nil
        }
    }

    /// Returns once everything handed to this connection before (signals, replies) has been delivered to
    /// the bus daemon, which routes one sender's messages in order. A round trip, not a wait.
    public func flush() async throws(DBusError) {
        _ = try await call(destination: BusDaemon.name, path: BusDaemon.path, interface: "org.freedesktop.DBus.Peer",
                           member: "Ping")
    }

    private func busCall(_ member: String, _ arguments: [DBusValue]) async throws(DBusError) -> [DBusValue] {
        try await call(destination: BusDaemon.name, path: BusDaemon.path, interface: BusDaemon.interface,
                       member: member, arguments: arguments)
    }
}

/// A handle on an exported object; `unregister` stops routing calls to its handler.
public struct DBusRegistration: Sendable {
    let core: ConnectionCore
    let id: UInt64
    public let path: ObjectPath

    public func unregister() {
        let core = core
        let id = id
        let path = path
        core.loop.enqueue { core.removeRegistration(id: id, at: path) }
    }
}

/// One NameOwnerChanged signal.
public struct NameOwnerChange: Sendable, Hashable {
    public let name: String
    /// Nil when the name had no owner before.
    public let oldOwner: String?
    /// Nil when the name has no owner now.
    public let newOwner: String?
    public let sequence: UInt64

    public init?(_ signal: DBusSignal) {
        guard signal.member == "NameOwnerChanged", signal.arguments.count == 3,
              let name = signal.arguments[0].stringValue,
              let old = signal.arguments[1].stringValue, let new = signal.arguments[2].stringValue
        else { return nil }
        self.name = name
        oldOwner = old.isEmpty ? nil : old
        newOwner = new.isEmpty ? nil : new
        sequence = signal.sequence
    }
}
