public import DBus
import Logging
import Synchronization

/// Exports a `PairingAgent` as org.bluez.Agent1 and keeps it registered with org.bluez.AgentManager1,
/// including after bluetoothd restarts (a restarted bluetoothd has forgotten every agent).
///
/// Calls are only accepted from the current owner of org.bluez: any other bus client gets Rejected.
public final class AgentService: Sendable {
    public let path: ObjectPath
    public let capability: AgentCapability
    private let client: BlueZClient
    private let agent: any PairingAgent
    private let makeDefault: Bool
    private let registration = Mutex<DBusRegistration?>(nil)
    private let watcher = Mutex<Task<Void, Never>?>(nil)
    private let inFlight = Mutex<[Int: Task<[DBusValue], any Error>]>([:])
    private let nextRequest = Atomic<Int>(0)
    private let registrationListeners = Mutex<[Int: AsyncStream<String>.Continuation]>([:])

    private init(client: BlueZClient, agent: any PairingAgent, path: ObjectPath, capability: AgentCapability,
                 makeDefault: Bool) {
        self.client = client
        self.agent = agent
        self.path = path
        self.capability = capability
        self.makeDefault = makeDefault
    }

    /// Exports the agent at `path` and registers it (as the default agent unless told otherwise).
    /// If bluetoothd is not running yet, registration happens when it appears.
    public static func start(client: BlueZClient, agent: some PairingAgent,
                             path: ObjectPath = "/no/dho/gateway/agent",
                             capability: AgentCapability = .keyboardDisplay,
                             makeDefault: Bool = true) async throws(BlueZError) -> AgentService {
        let service = AgentService(client: client, agent: agent, path: path, capability: capability,
                                   makeDefault: makeDefault)
        let handle = client.connection.register(path: path) { [weak service] call in
            guard let service else { return .error(.unknownObject("agent stopped")) }
            return service.handle(call)
        }
        service.registration.withLock { $0 = handle }
        // Listen for restarts before the first registration so that none slips through.
        let events = await client.mirror.subscribe { event -> Bool? in
            if case .serviceAvailable = event { return true } else { return nil }
        }
        service.watcher.withLock {
            $0 = Task { [weak service] in
                for await _ in events {
                    guard let service else { return }
                    do {
                        try await service.registerWithBluetoothd()
                    } catch {
                        service.client.logger.error("could not re-register the pairing agent: \(error)")
                    }
                }
            }
        }
        if await client.mirror.isServiceAvailable {
            try await service.registerWithBluetoothd()
        }
        return service
    }

    private func registerWithBluetoothd() async throws(BlueZError) {
        do {
            _ = try await client.call(BlueZNames.root, BlueZNames.agentManager, "RegisterAgent",
                                      [.objectPath(path), .string(capability.rawValue)])
        } catch .bluez(.alreadyExists, _) {
            // Registered already (e.g. a restart event raced the initial registration).
        }
        if makeDefault {
            _ = try await client.call(BlueZNames.root, BlueZNames.agentManager, "RequestDefaultAgent",
                                      [.objectPath(path)])
        }
        client.logger.info("pairing agent registered at \(path) (\(capability.rawValue))")
        let owner = await client.mirror.serviceOwner ?? ""
        for listener in registrationListeners.withLock({ Array($0.values) }) { listener.yield(owner) }
    }

    /// The unique name of bluetoothd each time the agent has been registered with it from now on
    /// (after a start, and after every bluetoothd restart).
    public func registrations() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
        let id = nextRequest.wrappingAdd(1, ordering: .relaxed).oldValue
        registrationListeners.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.registrationListeners.withLock { $0[id] = nil }
        }
        return stream
    }

    /// Unregisters from bluetoothd and stops answering.
    public func stop() async {
        watcher.withLock { task in
            task?.cancel()
            task = nil
        }
        if await client.mirror.isServiceAvailable {
            _ = try? await client.call(BlueZNames.root, BlueZNames.agentManager, "UnregisterAgent", [.objectPath(path)])
        }
        registration.withLock { handle in
            handle?.unregister()
            handle = nil
        }
        cancelInFlight()
        for listener in registrationListeners.withLock({ Array($0.values) }) { listener.finish() }
    }

    // MARK: Answering bluetoothd

    private func handle(_ call: DBusMethodCall) -> DBusMethodOutcome {
        guard call.interface == BlueZNames.agent || call.interface == nil else {
            return .error(.unknownMethod("\(call.interface ?? "?").\(call.member)"))
        }
        if call.member == "Cancel" {
            cancelInFlight()
            return .deferred { [agent] in
                await agent.cancel()
                return []
            }
        }
        if call.member == "Release" {
            return .deferred { [agent] in
                await agent.release()
                return []
            }
        }
        let mirror = client.mirror
        let agent = agent
        let logger = client.logger
        return .deferred { [weak self] () async throws(DBusError) -> [DBusValue] in
            guard let self else { throw AgentError.rejected.dbusError }
            guard let sender = call.sender, await mirror.serviceOwner == sender else {
                logger.warning("rejecting agent call \(call.member) from \(call.sender ?? "?"): not bluetoothd")
                throw AgentError.rejected.dbusError
            }
            return try await self.track { () async throws -> [DBusValue] in
                try await AgentService.answer(call, agent: agent)
            }
        }
    }

    /// Runs `work` as a task that Cancel() can cancel.
    private func track(_ work: @escaping @Sendable () async throws -> [DBusValue]) async throws(DBusError)
        -> [DBusValue]
    {
        let id = nextRequest.wrappingAdd(1, ordering: .relaxed).oldValue
        let task = Task { try await work() }
        inFlight.withLock { $0[id] = task }
        defer { inFlight.withLock { $0[id] = nil } }
        do {
            return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
        } catch let error as AgentError {
            throw error.dbusError
        } catch let error as DBusError {
            throw error
        } catch {
            throw AgentError.canceled.dbusError
        }
    }

    private func cancelInFlight() {
        let tasks = inFlight.withLock { $0.values }
        for task in tasks { task.cancel() }
    }

    private static func answer(_ call: DBusMethodCall, agent: any PairingAgent) async throws -> [DBusValue] {
        func device() throws(DBusError) -> ObjectPath {
            guard let path = try call.argument(0, "device object").objectPathValue else {
                throw .invalidArguments("\(call.member) expects a device object path first")
            }
            return path
        }
        switch call.member {
        case "RequestPasskey":
            try call.expectSignature("o")
            let passkey = try await agent.requestPasskey(for: try device())
            guard passkey <= 999_999 else { throw AgentError.rejected }
            return [.uint32(passkey)]
        case "RequestPinCode":
            try call.expectSignature("o")
            let pin = try await agent.requestPinCode(for: try device())
            guard (1...16).contains(pin.utf8.count), !pin.utf8.contains(0) else { throw AgentError.rejected }
            return [.string(pin)]
        case "DisplayPasskey":
            try call.expectSignature("ouq")
            guard let passkey = call.arguments[1].uint32Value, let entered = call.arguments[2].uint16Value else {
                throw DBusError.invalidArguments("DisplayPasskey(ouq)")
            }
            await agent.displayPasskey(passkey, entered: entered, for: try device())
            return []
        case "DisplayPinCode":
            try call.expectSignature("os")
            try await agent.displayPinCode(call.arguments[1].stringValue ?? "", for: try device())
            return []
        case "RequestConfirmation":
            try call.expectSignature("ou")
            try await agent.requestConfirmation(of: call.arguments[1].uint32Value ?? 0, for: try device())
            return []
        case "RequestAuthorization":
            try call.expectSignature("o")
            try await agent.requestAuthorization(for: try device())
            return []
        case "AuthorizeService":
            try call.expectSignature("os")
            try await agent.authorizeService(call.arguments[1].stringValue ?? "", for: try device())
            return []
        default:
            throw DBusError.unknownMethod("org.bluez.Agent1.\(call.member)")
        }
    }
}
