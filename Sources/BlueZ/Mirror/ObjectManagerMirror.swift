import CancellableTimers
public import DBus
public import Logging

/// A live copy of bluetoothd's object tree.
///
/// Loaded with ObjectManager.GetManagedObjects and kept current from InterfacesAdded/InterfacesRemoved
/// and PropertiesChanged, all received through one signal stream so their order is bluetoothd's. Signals
/// that arrived before the GetManagedObjects reply are already reflected in it and are skipped (the
/// connection numbers every received message). When bluetoothd leaves the bus the tree is cleared; when it
/// comes back the tree is loaded again. Callers can wait for any state with `waitFor`, which never polls:
/// the condition is re-checked after each change.
public actor ObjectManagerMirror {
    public nonisolated let connection: DBusConnection
    public nonisolated let service: String
    private let logger: Logger

    private var objects: DBusShapes.ManagedObjects = [:]
    private var owner: String?
    /// Receive sequence of the last full load; signals at or before it are already reflected.
    private var loadedAt: UInt64 = 0
    private var signalTask: Task<Void, Never>?
    private var subscribers: [Int: Subscriber] = [:]
    private var subscriberFinishers: [Int: @Sendable () -> Void] = [:]
    private var waiters: [Int: Waiter] = [:]
    private var nextID = 0
    private var barriers: [Int: CheckedContinuation<Void, Never>] = [:]
    /// A retry of a failed or malformed load of the tree (see `scheduleReload`).
    private var reloadTask: Task<Void, Never>?
    /// The signal stream has ended (the bus connection is gone): nothing more will be applied.
    private var signalsEnded = false
    /// Receive sequence of the signal that last set each property (path → interface → name), so that a
    /// `refresh` never puts back an older value over one announced after its reply.
    private var announcedAt: [ObjectPath: [String: [String: UInt64]]] = [:]

    /// A signal the mirror sends to itself through the bus to know it has caught up (see `synchronize`).
    static let barrierInterface = "no.dho.gateway.MirrorBarrier"
    static let barrierPath: ObjectPath = "/no/dho/gateway/mirror"

    /// Takes the changes as they are, or as typed events (decoded once per change for all who want them).
    private enum Subscriber {
        case raw(@Sendable (MirrorEvent) -> Void)
        case typed(@Sendable ([BlueZEvent]) -> Void)
    }

    private struct Waiter {
        /// Resumes the caller and returns true when its condition holds.
        let attempt: (MirrorView) -> Bool
        let fail: (BlueZError) -> Void
        let failsOnServiceLoss: Bool
        /// Fails the wait at its timeout; nil for a wait without one.
        let timeoutTask: Task<Void, Never>?
    }

    public init(connection: DBusConnection, service: String = BlueZNames.service,
                logger: Logger = Logger(label: "bluez.mirror")) {
        self.connection = connection
        self.service = service
        self.logger = logger
    }

    /// Subscribes to bluetoothd's signals and loads the tree (if bluetoothd is running; otherwise the
    /// tree loads when it appears).
    public func start() async throws(BlueZError) {
        guard signalTask == nil else { return }
        let stream: AsyncStream<DBusSignal>
        do {
            stream = try await connection.signals(matching: [
                .nameOwnerChanged(service),
                MatchRule(sender: service, interface: BlueZNames.objectManager, member: "InterfacesAdded"),
                MatchRule(sender: service, interface: BlueZNames.objectManager, member: "InterfacesRemoved"),
                MatchRule(sender: service, interface: BlueZNames.properties, member: "PropertiesChanged",
                          pathNamespace: BlueZNames.root),
                MatchRule(sender: connection.uniqueName, interface: ObjectManagerMirror.barrierInterface),
            ])
        } catch {
            throw BlueZError(error)
        }
        // Signals queue up in the stream until the initial load is done.
        do {
            let reply = try await connection.callForReply(
                destination: BusDaemon.name, path: BusDaemon.path, interface: BusDaemon.interface,
                member: "GetNameOwner", arguments: [.string(service)])
            loadedAt = reply.sequence
            if let current = reply.arguments.first?.stringValue {
                await load(owner: current)
            }
        } catch .remote(StandardErrors.nameHasNoOwner, _) {
            logger.info("\(service) is not on the bus yet; waiting for it")
        } catch {
            throw BlueZError(error)
        }
        signalTask = Task { [weak self] in
            for await signal in stream {
                guard let self else { return }
                await self.receive(signal)
            }
            await self?.signalStreamEnded()
        }
    }

    /// Returns once every signal bluetoothd sent before now has been applied. Method replies overtake
    /// the mirror's processing of the signals that preceded them (they travel different paths inside
    /// the process); after `synchronize()` the tree reflects everything announced before the reply, e.g.
    /// ServicesResolved after Connect() or Connected=false after an aborted connection. It sends a signal
    /// to itself through the bus, which the bus delivers after everything it delivered before.
    public func synchronize() async {
        // Without a live signal stream (stopped, or the bus connection lost) the barrier would never come back:
        // a shutdown after the bus vanished waited on it for ever (issue 11, finding 14).
        guard signalTask != nil, !signalsEnded else { return }
        let token = makeID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            barriers[token] = continuation
            do {
                try connection.emitSignal(path: ObjectManagerMirror.barrierPath,
                                          interface: ObjectManagerMirror.barrierInterface, member: "Reached",
                                          arguments: [.int64(Int64(token))], destination: connection.uniqueName)
            } catch {
                barriers[token] = nil
                continuation.resume()
            }
        }
    }

    private func signalStreamEnded() {
        signalsEnded = true
        logger.warning("the bus connection is gone; bluetoothd's objects are no longer followed")
        releaseBarriers()
    }

    private func releaseBarriers(upTo token: Int = .max) {
        for (id, continuation) in barriers where id <= token {
            barriers[id] = nil
            continuation.resume()
        }
    }

    /// Stops following bluetoothd; pending waits fail with `.cancelled`, event streams finish.
    public func stop() {
        signalTask?.cancel()
        signalTask = nil
        reloadTask?.cancel()
        reloadTask = nil
        for (id, waiter) in waiters {
            waiter.timeoutTask?.cancel()
            waiter.fail(.cancelled)
            waiters[id] = nil
        }
        for finish in subscriberFinishers.values { finish() }
        subscribers.removeAll()
        subscriberFinishers.removeAll()
        releaseBarriers()
    }

    // MARK: Reading

    public var view: MirrorView { MirrorView(objects: objects, owner: owner) }
    public var isServiceAvailable: Bool { owner != nil }
    public var serviceOwner: String? { owner }

    public func properties(_ path: ObjectPath, _ interface: String) -> [String: DBusValue]? {
        objects[path]?[interface]
    }

    /// A stream of every change from now on, in order. Finishes when the mirror stops.
    public func events() -> AsyncStream<MirrorEvent> {
        subscribe { $0 }
    }

    /// A stream of the values `transform` picks out of the changes from now on (nil skips an event).
    /// Buffers without limit: a notification must never be dropped because its reader was slow.
    public func subscribe<T: Sendable>(_ transform: @escaping @Sendable (MirrorEvent) -> T?) -> AsyncStream<T> {
        register(T.self) { yield in
            .raw { event in
                if let value = transform(event) { yield(value) }
            }
        }
    }

    /// Every change from now on as typed events (`BlueZEvent`), in order. Finishes when the mirror stops.
    public func typedEvents() -> AsyncStream<BlueZEvent> {
        subscribeTyped { $0 }
    }

    /// A stream of the values `transform` picks out of the typed events from now on (nil skips an event);
    /// buffered like `subscribe`.
    public func subscribeTyped<T: Sendable>(_ transform: @escaping @Sendable (BlueZEvent) -> T?) -> AsyncStream<T> {
        register(T.self) { yield in
            .typed { events in
                for event in events {
                    if let value = transform(event) { yield(value) }
                }
            }
        }
    }

    /// Calls `handle` with every typed event from now on, in order, in the mirror's own turn (no task hop): for a
    /// consumer whose work per event is a few lock-protected lines, e.g. handing a notified frame to its device's
    /// queue (issue 16: one task wake-up less per frame than a stream and a task reading it). `seed` sees the tree
    /// as it is when the subscription starts, in the same turn, so no change falls between the two. `handle` must
    /// not block. Handling ends when the returned stream, which never yields, is no longer iterated (its task
    /// cancelled) or the mirror stops (it finishes).
    public func handleTyped(seed: @Sendable (MirrorView) -> Void,
                            _ handle: @escaping @Sendable (BlueZEvent) -> Void) -> AsyncStream<Never> {
        seed(view)
        return register(Never.self) { _ in
            .typed { events in
                for event in events { handle(event) }
            }
        }
    }

    /// A stream fed by the subscriber `make` builds around the function that adds a value to it.
    private func register<T: Sendable>(_: T.Type, _ make: (@escaping @Sendable (T) -> Void) -> Subscriber) -> AsyncStream<T> {
        let (stream, continuation) = AsyncStream.makeStream(of: T.self, bufferingPolicy: .unbounded)
        let id = makeID()
        subscribers[id] = make { continuation.yield($0) }
        subscriberFinishers[id] = { continuation.finish() }
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: Int) {
        subscribers[id] = nil
        subscriberFinishers[id] = nil
    }

    // MARK: Waiting

    /// Waits until `probe` returns a value for the current tree, re-checking after every change.
    /// Fails with `.timedOut` after `timeout`, and with `.serviceUnavailable` if bluetoothd leaves the bus
    /// meanwhile (unless `failsOnServiceLoss` is false). A nil `timeout` waits without a timer: for a wait that
    /// something else ends (a visit's wait for the device to hang up, cancelled when the visit ends: its
    /// timer's task, started and cancelled at every visit, was two hops and a timer for nothing, issue 16).
    public func waitFor<T: Sendable>(_ what: String, timeout: Duration?, failsOnServiceLoss: Bool = true,
                                     _ probe: @escaping @Sendable (MirrorView) -> T?) async throws(BlueZError) -> T {
        if let value = probe(view) { return value }
        if failsOnServiceLoss, owner == nil { throw .serviceUnavailable }
        let id = makeID()
        let result: Result<T, BlueZError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let timeoutTask = timeout.map { timeout in
                    Task { [weak self] in
                        do { try await CancellableSleep.sleep(for: timeout) } catch { return }
                        await self?.failWaiter(id, with: .timedOut(what))
                    }
                }
                waiters[id] = Waiter(
                    attempt: { view in
                        guard let value = probe(view) else { return false }
                        continuation.resume(returning: .success(value))
                        return true
                    },
                    fail: { continuation.resume(returning: .failure($0)) },
                    failsOnServiceLoss: failsOnServiceLoss,
                    timeoutTask: timeoutTask)
            }
        } onCancel: {
            Task { [weak self] in await self?.failWaiter(id, with: .cancelled) }
        }
        return try result.get()
    }

    /// Waits for an object to have `interface` and returns that interface's properties.
    public func waitForObject(_ path: ObjectPath, interface: String, timeout: Duration) async throws(BlueZError)
        -> [String: DBusValue]
    {
        try await waitFor("\(interface) at \(path)", timeout: timeout) { $0.properties(path, interface) }
    }

    /// Waits until a property satisfies `condition` (a missing property counts as nil).
    public func waitForProperty(_ path: ObjectPath, interface: String, _ name: String, timeout: Duration,
                                where condition: @escaping @Sendable (DBusValue?) -> Bool) async throws(BlueZError) {
        _ = try await waitFor("\(interface).\(name) at \(path)", timeout: timeout) { view -> Bool? in
            guard view.properties(path, interface) != nil else { return nil }
            return condition(view.property(path, interface, name)) ? true : nil
        }
    }

    // MARK: Refreshing

    /// Reads one interface of an object with Properties.GetAll and applies what differs from the mirror, as
    /// if bluetoothd had announced it (subscribers see a `propertiesChanged`). Real bluetoothd does not
    /// announce every change: after a successful Device1.Connect() it sometimes signals only
    /// ServicesResolved, never Connected (issue 18), so whoever must know the state asks. A property that a
    /// signal received after the reply has set keeps that newer value. Returns the interface's properties as
    /// the mirror now holds them (nil: no such object).
    @discardableResult
    public func refresh(_ path: ObjectPath, interface: String) async throws(BlueZError) -> [String: DBusValue]? {
        guard let source = owner else { throw .serviceUnavailable }
        let reply: DBusReply
        do {
            reply = try await connection.callForReply(destination: source, path: path, interface: BlueZNames.properties,
                                                      member: "GetAll", arguments: [.string(interface)])
        } catch {
            throw BlueZError(error)
        }
        guard let read = reply.arguments.first?.variantDictionaryValue else {
            logger.warning("ignoring a malformed GetAll(\(interface)) reply from bluetoothd at \(path)")
            return objects[path]?[interface]
        }
        await synchronize()  // every signal received before the reply is applied first
        guard owner == source, reply.sequence > loadedAt, var current = objects[path]?[interface] else {
            return objects[path]?[interface]
        }
        var changed: [String: DBusValue] = [:]
        for (name, value) in usable(interface, read, at: path) where current[name] != value {
            guard (announcedAt[path]?[interface]?[name] ?? 0) < reply.sequence else { continue }
            current[name] = value
            changed[name] = value
            announcedAt[path, default: [:]][interface, default: [:]][name] = reply.sequence
        }
        guard !changed.isEmpty else { return current }
        objects[path]?[interface] = current
        publish(.propertiesChanged(path, interface: interface, changed: changed, invalidated: []))
        return current
    }

    private func noteAnnounced(_ path: ObjectPath, _ interface: String, _ names: some Sequence<String>, at sequence: UInt64) {
        for name in names { announcedAt[path, default: [:]][interface, default: [:]][name] = sequence }
    }

    private func failWaiter(_ id: Int, with error: BlueZError) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.timeoutTask?.cancel()
        waiter.fail(error)
    }

    private func makeID() -> Int {
        nextID += 1
        return nextID
    }

    // MARK: Applying changes

    private func receive(_ signal: DBusSignal) async {
        if signal.interface == ObjectManagerMirror.barrierInterface {
            if signal.sender == connection.uniqueName, let token = signal.arguments.first?.int64Value {
                releaseBarriers(upTo: Int(token))
            }
            return
        }
        guard signal.sequence > loadedAt else { return }
        if signal.interface == BusDaemon.interface {
            guard let change = NameOwnerChange(signal), change.name == service else { return }
            if let newOwner = change.newOwner {
                if owner != nil { serviceGone() }  // replaced without a gap: treat as a restart
                await load(owner: newOwner)
            } else {
                serviceGone()
            }
            return
        }
        guard signal.sender == owner else { return }
        switch signal.member {
        case "InterfacesAdded":
            guard signal.arguments.count == 2, let path = signal.arguments[0].objectPathValue,
                  let announced = try? DBusShapes.interfaceProperties(signal.arguments[1])
            else { return logMalformed(signal) }
            let interfaces = usable(announced, at: path)
            var object = objects[path] ?? [:]
            for (name, properties) in interfaces {
                object[name] = properties
                noteAnnounced(path, name, properties.keys, at: signal.sequence)
            }
            objects[path] = object
            publish(.interfacesAdded(path, interfaces))
        case "InterfacesRemoved":
            guard signal.arguments.count == 2, let path = signal.arguments[0].objectPathValue,
                  let names = signal.arguments[1].stringsValue
            else { return logMalformed(signal) }
            guard var object = objects[path] else { return }
            for name in names {
                object[name] = nil
                announcedAt[path]?[name] = nil
            }
            if announcedAt[path]?.isEmpty == true { announcedAt[path] = nil }
            objects[path] = object.isEmpty ? nil : object
            publish(.interfacesRemoved(path, names))
        case "PropertiesChanged":
            guard signal.arguments.count == 3, let interface = signal.arguments[0].stringValue,
                  let announced = signal.arguments[1].variantDictionaryValue,
                  let invalidated = signal.arguments[2].stringsValue
            else { return logMalformed(signal) }
            guard var properties = objects[signal.path]?[interface] else { return }
            let changed = usable(interface, announced, at: signal.path)
            guard !changed.isEmpty || !invalidated.isEmpty else { return }
            for (name, value) in changed { properties[name] = value }
            for name in invalidated { properties[name] = nil }
            noteAnnounced(signal.path, interface, changed.keys, at: signal.sequence)
            noteAnnounced(signal.path, interface, invalidated, at: signal.sequence)
            objects[signal.path]?[interface] = properties
            publish(.propertiesChanged(signal.path, interface: interface, changed: changed, invalidated: invalidated))
        default:
            return
        }
    }

    private func logMalformed(_ signal: DBusSignal) {
        logger.warning("ignoring malformed \(signal.interface).\(signal.member) from bluetoothd at \(signal.path)")
    }

    /// The interfaces' properties without those of a wrong type (see `PropertySchema`), each logged.
    private func usable(_ interfaces: DBusShapes.InterfaceProperties, at path: ObjectPath) -> DBusShapes.InterfaceProperties {
        interfaces.reduce(into: [:]) { result, entry in result[entry.key] = usable(entry.key, entry.value, at: path) }
    }

    private func usable(_ interface: String, _ properties: [String: DBusValue], at path: ObjectPath) -> [String: DBusValue] {
        let (kept, dropped) = PropertySchema.filter(interface, properties)
        for problem in dropped { logger.warning("ignoring \(problem) from bluetoothd at \(path)") }
        return kept
    }

    /// Loads the whole tree from `newOwner` and announces the difference to the old tree. A failed or malformed
    /// load is retried (`scheduleReload`) as long as the same bluetoothd owns the name.
    private func load(owner newOwner: String, attempt: Int = 0) async {
        reloadTask?.cancel()
        reloadTask = nil
        owner = newOwner
        let reply: DBusReply
        do {
            reply = try await connection.callForReply(destination: newOwner, path: .root,
                                                      interface: BlueZNames.objectManager, member: "GetManagedObjects")
        } catch {
            logger.error("could not load bluetoothd's objects: \(error)")
            return scheduleReload(owner: newOwner, attempt: attempt)
        }
        guard owner == newOwner else { return }  // bluetoothd went away again meanwhile
        let received: DBusShapes.ManagedObjects
        do {
            received = try DBusShapes.managedObjects(try reply.arguments.argument(0, "managed objects"))
        } catch {
            logger.error("bluetoothd sent a malformed object tree (\(error)); its objects are ignored until it sends a valid one")
            return scheduleReload(owner: newOwner, attempt: attempt)
        }
        var loaded: DBusShapes.ManagedObjects = [:]
        for (path, interfaces) in received { loaded[path] = usable(interfaces, at: path) }
        loadedAt = max(loadedAt, reply.sequence)
        let previous = objects
        objects = loaded
        announcedAt = [:]  // the load is newer than every signal before it (`loadedAt`)
        for (path, interfaces) in previous.sorted(by: { $0.key > $1.key }) {
            let gone = interfaces.keys.filter { loaded[path]?[$0] == nil }.sorted()
            if !gone.isEmpty { publish(.interfacesRemoved(path, gone), evaluate: false) }
        }
        for (path, interfaces) in loaded.sorted(by: { $0.key < $1.key }) where previous[path] != interfaces {
            publish(.interfacesAdded(path, interfaces), evaluate: false)
        }
        logger.info("loaded \(loaded.count) objects from \(service) (\(newOwner))")
        publish(.serviceAvailable(owner: newOwner))
    }

    /// Without bluetoothd's tree the gateway would see no adapter and no device until bluetoothd restarts, so a
    /// load that failed (a timeout while bluetoothd is busy starting, a malformed reply) is tried again after
    /// 0.5 s, doubling up to 30 s. Signals keep being applied meanwhile; the next load replaces the tree.
    private func scheduleReload(owner expected: String, attempt: Int) {
        let delay = Duration.milliseconds(500 * (1 << min(attempt, 6)))
        let capped = min(delay, .seconds(30))
        logger.notice("loading \(service)'s objects again in \(capped)")
        reloadTask = Task { [weak self] in
            do { try await CancellableSleep.sleep(for: capped) } catch { return }
            await self?.reload(owner: expected, attempt: attempt + 1)
        }
    }

    private func reload(owner expected: String, attempt: Int) async {
        reloadTask = nil  // this is that task: `load` must not cancel it
        guard owner == expected, signalTask != nil else { return }
        await load(owner: expected, attempt: attempt)
    }

    private func serviceGone() {
        reloadTask?.cancel()
        reloadTask = nil
        logger.warning("\(service) left the bus; forgetting its \(objects.count) objects")
        let previous = objects
        objects = [:]
        announcedAt = [:]
        owner = nil
        for (path, interfaces) in previous.sorted(by: { $0.key > $1.key }) {
            publish(.interfacesRemoved(path, interfaces.keys.sorted()), evaluate: false)
        }
        publish(.serviceLost, evaluate: false)
        for (id, waiter) in waiters where waiter.failsOnServiceLoss {
            waiters[id] = nil
            waiter.timeoutTask?.cancel()
            waiter.fail(.serviceUnavailable)
        }
        evaluateWaiters()
    }

    private func publish(_ event: MirrorEvent, evaluate: Bool = true) {
        var typed: [BlueZEvent]?
        for subscriber in subscribers.values {
            switch subscriber {
            case let .raw(deliver):
                deliver(event)
            case let .typed(deliver):
                let events = typed ?? BlueZEvent.decode(event)
                typed = events
                deliver(events)
            }
        }
        if evaluate { evaluateWaiters() }
    }

    private func evaluateWaiters() {
        guard !waiters.isEmpty else { return }
        let current = view
        for (id, waiter) in waiters where waiter.attempt(current) {
            waiters[id] = nil
            waiter.timeoutTask?.cancel()
        }
    }
}
