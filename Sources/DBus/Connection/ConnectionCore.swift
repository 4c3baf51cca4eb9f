import CDBus
import Logging

/// libdbus must be told once, before any other use, that it will be used from several threads (the
/// loop threads of several connections, and messages built by callers).
let libdbusThreadsReady: Bool = dbus_threads_init_default() != 0

/// The loop-thread side of a `DBusConnection`: owns the libdbus connection, routes incoming messages
/// (replies to pending calls, signals to subscriptions, method calls to exported objects) and sends.
///
/// Every method here runs on the loop thread, reached through `loop.enqueue`; that confinement is what
/// makes the `@unchecked Sendable` sound.
final class ConnectionCore: @unchecked Sendable {
    let loop: EventLoop
    let logger: Logger

    private var connection: OpaquePointer?
    private var receiveSequence: UInt64 = 0
    private var subscriptions: [UInt64: Subscription] = [:]
    private var registrations: [ObjectPath: Registration] = [:]
    private var outstandingCalls: [ObjectIdentifier: OutstandingCall] = [:]
    private var nameOwners: [String: (owner: String, sequence: UInt64)] = [:]
    private var trackedNames: Set<String> = []
    private var disconnected = false

    struct Subscription {
        let rules: [MatchRule]
        let continuation: AsyncStream<DBusSignal>.Continuation
    }

    struct Registration {
        let id: UInt64
        let subtree: Bool
        let handler: DBusObjectHandler
    }

    struct OutstandingCall {
        let pending: OpaquePointer
        let state: CallState
    }

    struct ReplyHeader: Sendable {
        let destination: String?
        let serial: UInt32
        let expectsReply: Bool
    }

    struct CallRequest: Sendable {
        let destination: String
        let path: ObjectPath
        let interface: String
        let member: String
        let arguments: [DBusValue]
        let timeoutMilliseconds: Int32
        let expectsReply: Bool
    }

    init(loop: EventLoop, logger: Logger) {
        self.loop = loop
        self.logger = logger
    }

    // MARK: Opening and closing

    /// Connects (blocking this thread for the connect and Hello round trip) and installs the hooks.
    /// Returns the unique name.
    func open(_ bus: DBusConnection.Bus) -> Result<String, DBusError> {
        guard libdbusThreadsReady else { return .failure(.outOfMemory) }
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        defer { dbus_error_free(&error) }

        let opened: OpaquePointer?
        switch bus {
        case .system:
            opened = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error)
        case .session:
            opened = dbus_bus_get_private(DBUS_BUS_SESSION, &error)
        case .address(let address):
            opened = dbus_connection_open_private(address, &error)
            if let opened, dbus_bus_register(opened, &error) == 0 {
                dbus_connection_close(opened)
                dbus_connection_unref(opened)
                return .failure(.connectionFailed(ConnectionCore.describe(error, fallback: "Hello failed")))
            }
        }
        guard let opened else {
            return .failure(.connectionFailed(ConnectionCore.describe(error, fallback: "cannot connect")))
        }
        // A bus connection obtained from libdbus exits the process when the bus goes away by default.
        dbus_connection_set_exit_on_disconnect(opened, 0)
        guard loop.attach(opened),
              dbus_connection_add_filter(opened, ConnectionCore.filter, Unmanaged.passUnretained(self).toOpaque(),
                                         nil) != 0
        else {
            dbus_connection_close(opened)
            dbus_connection_unref(opened)
            return .failure(.outOfMemory)
        }
        connection = opened
        loop.beforeSleep = { [unowned self] in self.dispatchAll() }
        guard let unique = dbus_bus_get_unique_name(opened) else {
            return .failure(.connectionFailed("bus assigned no unique name"))
        }
        return .success(String(cString: unique))
    }

    private static let filter: DBusHandleMessageFunction = { _, message, data in
        guard let message, let data else { return DBUS_HANDLER_RESULT_NOT_YET_HANDLED }
        return Unmanaged<ConnectionCore>.fromOpaque(data).takeUnretainedValue().handle(message)
    }

    private static func describe(_ error: CDBus.DBusError, fallback: String) -> String {
        guard error.name != nil else { return fallback }
        let name = error.name.map { String(cString: $0) } ?? ""
        let message = error.message.map { String(cString: $0) } ?? ""
        return message.isEmpty ? name : "\(name): \(message)"
    }

    /// Fails everything outstanding, ends every stream and releases the libdbus connection.
    func shutdown() {
        failOutstandingCalls()
        finishAllSubscriptions()
        registrations.removeAll()
        if let connection {
            dbus_connection_remove_filter(connection, ConnectionCore.filter, Unmanaged.passUnretained(self).toOpaque())
            dbus_connection_close(connection)
            loop.detach(connection)
            dbus_connection_unref(connection)
        }
        connection = nil
        disconnected = true
    }

    /// No reply can arrive any more: every caller waiting for one is told so now, not at its timeout.
    private func failOutstandingCalls() {
        let calls = outstandingCalls.values
        outstandingCalls.removeAll()
        for call in calls {
            dbus_pending_call_cancel(call.pending)
            dbus_pending_call_unref(call.pending)
            call.state.resume(.failure(.disconnected))
        }
    }

    private func finishAllSubscriptions() {
        let all = subscriptions.values
        subscriptions.removeAll()
        for subscription in all { subscription.continuation.finish() }
    }

    private func dispatchAll() {
        guard let connection else { return }
        while dbus_connection_get_dispatch_status(connection) == DBUS_DISPATCH_DATA_REMAINS {
            dbus_connection_dispatch(connection)
        }
    }

    // MARK: Outgoing method calls

    func startCall(_ request: CallRequest, state: CallState) {
        guard !state.isFinished else { return }  // cancelled before it was sent
        guard let connection, !disconnected else {
            state.resume(.failure(.disconnected))
            return
        }
        guard let message = dbus_message_new_method_call(request.destination, request.path.rawValue,
                                                         request.interface, request.member)
        else {
            state.resume(.failure(.outOfMemory))
            return
        }
        defer { dbus_message_unref(message) }
        do {
            try MessageWriter.append(request.arguments, to: message)
        } catch {
            state.resume(.failure(error))
            return
        }
        guard request.expectsReply else {
            dbus_message_set_no_reply(message, 1)
            let sent = dbus_connection_send(connection, message, nil) != 0
            state.resume(sent ? .success(DBusReply(arguments: [], sequence: receiveSequence, sender: nil))
                              : .failure(.outOfMemory))
            return
        }
        var pending: OpaquePointer?
        guard dbus_connection_send_with_reply(connection, message, &pending, request.timeoutMilliseconds) != 0 else {
            state.resume(.failure(.outOfMemory))
            return
        }
        guard let pending else {
            state.resume(.failure(.disconnected))
            return
        }
        let context = PendingContext(core: self, state: state, what: "\(request.interface).\(request.member)")
        guard dbus_pending_call_set_notify(pending, { pending, data in
            guard let pending, let data else { return }
            let context = Unmanaged<PendingContext>.fromOpaque(data).takeUnretainedValue()
            context.core.complete(pending, context: context)
        }, Unmanaged.passRetained(context).toOpaque(), { data in
            guard let data else { return }
            Unmanaged<PendingContext>.fromOpaque(data).release()
        }) != 0 else {
            dbus_pending_call_cancel(pending)
            dbus_pending_call_unref(pending)
            state.resume(.failure(.outOfMemory))
            return
        }
        outstandingCalls[ObjectIdentifier(state)] = OutstandingCall(pending: pending, state: state)
        // The reply may already be in (libdbus then does not call the notify function by itself).
        if dbus_pending_call_get_completed(pending) != 0 {
            complete(pending, context: context)
        }
    }

    private func complete(_ pending: OpaquePointer, context: PendingContext) {
        guard outstandingCalls.removeValue(forKey: ObjectIdentifier(context.state)) != nil else { return }
        receiveSequence += 1
        let result: Result<DBusReply, DBusError>
        if let reply = dbus_pending_call_steal_reply(pending) {
            result = ConnectionCore.parseReply(reply, sequence: receiveSequence, what: context.what)
            dbus_message_unref(reply)
        } else {
            result = .failure(.disconnected)
        }
        dbus_pending_call_unref(pending)
        context.state.resume(result)
    }

    private static func parseReply(_ reply: OpaquePointer, sequence: UInt64, what: String)
        -> Result<DBusReply, DBusError>
    {
        let sender = dbus_message_get_sender(reply).map { String(cString: $0) }
        do {
            let arguments = try MessageReader.read(reply)
            if dbus_message_get_type(reply) == MessageType.error {
                let name = dbus_message_get_error_name(reply).map { String(cString: $0) } ?? StandardErrors.failed
                let text = arguments.first?.stringValue ?? ""
                if name == StandardErrors.noReply { return .failure(.timedOut("\(what): \(text)")) }
                return .failure(DBusError.fromReply(name: name, message: text))
            }
            return .success(DBusReply(arguments: arguments, sequence: sequence, sender: sender))
        } catch {
            return .failure(error)
        }
    }

    func cancelCall(_ state: CallState) {
        guard let call = outstandingCalls.removeValue(forKey: ObjectIdentifier(state)) else { return }
        dbus_pending_call_cancel(call.pending)
        dbus_pending_call_unref(call.pending)
    }

    // MARK: Sending signals and replies

    func sendSignal(path: ObjectPath, interface: String, member: String, arguments: [DBusValue],
                    destination: String?) {
        guard let connection, !disconnected else { return }
        guard let message = dbus_message_new_signal(path.rawValue, interface, member) else { return }
        defer { dbus_message_unref(message) }
        if let destination { dbus_message_set_destination(message, destination) }
        do {
            try MessageWriter.append(arguments, to: message)
        } catch {
            logger.error("dropping signal \(interface).\(member): \(error)")
            return
        }
        dbus_connection_send(connection, message, nil)
    }

    func sendReply(_ header: ReplyHeader, _ result: Result<[DBusValue], DBusError>) {
        guard header.expectsReply, let connection, !disconnected else { return }
        switch result {
        case .success(let values):
            guard let message = dbus_message_new(MessageType.methodReturn) else { return }
            defer { dbus_message_unref(message) }
            prepareReply(message, header)
            do {
                try MessageWriter.append(values, to: message)
            } catch {
                logger.error("reply not marshallable, sending an error instead: \(error)")
                sendReply(header, .failure(.failed("reply could not be marshalled: \(error)")))
                return
            }
            dbus_connection_send(connection, message, nil)
        case .failure(let error):
            guard let message = dbus_message_new(MessageType.error) else { return }
            defer { dbus_message_unref(message) }
            prepareReply(message, header)
            var name = StandardErrors.failed
            var text = error.description
            if case .remote(let remoteName, let remoteMessage) = error, DBusNames.isValidErrorName(remoteName) {
                name = remoteName
                text = remoteMessage
            }
            dbus_message_set_error_name(message, name)
            if text.utf8.contains(0) { text = String(text.map { $0 == "\0" ? " " : $0 }) }
            try? MessageWriter.append([.string(text)], to: message)
            dbus_connection_send(connection, message, nil)
        }
    }

    private func prepareReply(_ message: OpaquePointer, _ header: ReplyHeader) {
        dbus_message_set_no_reply(message, 1)
        dbus_message_set_reply_serial(message, header.serial)
        if let destination = header.destination { dbus_message_set_destination(message, destination) }
    }

    // MARK: Subscriptions, exported objects, name tracking

    func addSubscription(_ id: UInt64, rules: [MatchRule], continuation: AsyncStream<DBusSignal>.Continuation) {
        guard !disconnected else {
            continuation.finish()
            return
        }
        subscriptions[id] = Subscription(rules: rules, continuation: continuation)
    }

    func removeSubscription(_ id: UInt64) {
        guard let subscription = subscriptions.removeValue(forKey: id) else { return }
        for rule in subscription.rules {
            startCall(CallRequest(destination: BusDaemon.name, path: BusDaemon.path, interface: BusDaemon.interface,
                                  member: "RemoveMatch", arguments: [.string(rule.description)],
                                  timeoutMilliseconds: -1, expectsReply: false), state: CallState())
        }
    }

    func addRegistration(_ registration: Registration, at path: ObjectPath) {
        registrations[path] = registration
    }

    func removeRegistration(id: UInt64, at path: ObjectPath) {
        if registrations[path]?.id == id { registrations[path] = nil }
    }

    /// Marks `name` as tracked; true when it was not tracked before.
    func track(_ name: String) -> Bool {
        trackedNames.insert(name).inserted
    }

    func recordOwner(_ owner: String, of name: String, sequence: UInt64) {
        if let known = nameOwners[name], known.sequence > sequence { return }
        nameOwners[name] = (owner, sequence)
    }

    // MARK: Incoming messages

    private func handle(_ message: OpaquePointer) -> DBusHandlerResult {
        receiveSequence += 1
        switch dbus_message_get_type(message) {
        case MessageType.signal:
            handleSignal(message)
            return DBUS_HANDLER_RESULT_HANDLED
        case MessageType.methodCall:
            handleMethodCall(message)
            return DBUS_HANDLER_RESULT_HANDLED
        default:
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        }
    }

    private func handleSignal(_ message: OpaquePointer) {
        guard let interface = dbus_message_get_interface(message).map({ String(cString: $0) }),
              let member = dbus_message_get_member(message).map({ String(cString: $0) }),
              let rawPath = dbus_message_get_path(message).map({ String(cString: $0) }),
              let path = ObjectPath(rawPath)
        else { return }
        if interface == "org.freedesktop.DBus.Local", member == "Disconnected" {
            logger.debug("bus connection lost")
            disconnected = true
            failOutstandingCalls()
            finishAllSubscriptions()
            return
        }
        let sender = dbus_message_get_sender(message).map { String(cString: $0) }
        let arguments: [DBusValue]
        do {
            arguments = try MessageReader.read(message)
        } catch {
            logger.warning("ignoring unreadable signal \(interface).\(member) from \(sender ?? "?"): \(error)")
            return
        }
        if sender == BusDaemon.name, interface == BusDaemon.interface, member == "NameOwnerChanged",
           arguments.count == 3, let name = arguments[0].stringValue, trackedNames.contains(name) {
            nameOwners[name] = (arguments[2].stringValue ?? "", receiveSequence)
        }
        let signal = DBusSignal(sender: sender, path: path, interface: interface, member: member,
                                arguments: arguments, sequence: receiveSequence)
        // Owners looked up in place: a copy of the table for every signal was an allocation per frame (issue 16).
        let owners = nameOwners
        for subscription in subscriptions.values where subscription.rules.contains(where: {
            $0.matches(signal, ownerOf: { owners[$0]?.owner })
        }) {
            subscription.continuation.yield(signal)
        }
    }

    private func handleMethodCall(_ message: OpaquePointer) {
        let header = ReplyHeader(destination: dbus_message_get_sender(message).map { String(cString: $0) },
                                 serial: dbus_message_get_serial(message),
                                 expectsReply: dbus_message_get_no_reply(message) == 0)
        guard let member = dbus_message_get_member(message).map({ String(cString: $0) }),
              let rawPath = dbus_message_get_path(message).map({ String(cString: $0) }),
              let path = ObjectPath(rawPath)
        else {
            sendReply(header, .failure(.unknownMethod("malformed method call")))
            return
        }
        let interface = dbus_message_get_interface(message).map { String(cString: $0) }
        guard let registration = registration(for: path) else {
            sendReply(header, .failure(.unknownObject("no object at \(path)")))
            return
        }
        let arguments: [DBusValue]
        do {
            arguments = try MessageReader.read(message)
        } catch {
            sendReply(header, .failure(.invalidArguments("unreadable arguments: \(error)")))
            return
        }
        let call = DBusMethodCall(sender: header.destination, path: path, interface: interface, member: member,
                                  arguments: arguments, expectsReply: header.expectsReply)
        switch registration.handler(call) {
        case .reply(let values):
            sendReply(header, .success(values))
        case .error(let error):
            sendReply(header, .failure(error))
        case .deferred(let work):
            Task { [self] in
                let result: Result<[DBusValue], DBusError>
                do throws(DBusError) { result = .success(try await work()) } catch { result = .failure(error) }
                loop.enqueue { self.sendReply(header, result) }
            }
        }
    }

    private func registration(for path: ObjectPath) -> Registration? {
        if let exact = registrations[path] { return exact }
        var candidate = path.parent
        while let current = candidate {
            if let registration = registrations[current], registration.subtree { return registration }
            candidate = current.parent
        }
        return nil
    }
}

/// What the pending-call notify function needs; retained by libdbus for the pending call's lifetime.
private final class PendingContext {
    unowned let core: ConnectionCore
    let state: CallState
    let what: String

    init(core: ConnectionCore, state: CallState, what: String) {
        self.core = core
        self.state = state
        self.what = what
    }
}
