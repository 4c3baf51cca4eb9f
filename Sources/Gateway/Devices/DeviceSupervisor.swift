public import BlueZ
public import DBus
public import DeviceProfiles
import CancellableTimers
import Foundation
import HealthProfiles
public import Logging
public import ReadingStore

/// Keeps the adapter scanning and visits provisioned devices when they show up.
///
/// Health devices sleep most of the time and advertise only when they have something to say (a cuff
/// after a measurement), so every advertisement of a provisioned device — a new object, an RSSI or
/// advertising-data update, or the device connecting by itself — is a reason to visit it, unless a visit
/// is running or its back-off after failures has not expired. Several devices are visited concurrently.
public actor DeviceSupervisor {
    public struct Settings: Sendable {
        public var adapterName: String
        public var visit: VisitSettings
        /// After a successful visit, advertisements are ignored this long (a cuff advertises in bursts).
        public var revisitInterval: Duration
        public var initialBackoff: Duration
        public var maximumBackoff: Duration

        public init(adapterName: String, visit: VisitSettings, revisitInterval: Duration = .seconds(15),
                    initialBackoff: Duration = .seconds(5), maximumBackoff: Duration = .seconds(300)) {
            self.adapterName = adapterName
            self.visit = visit
            self.revisitInterval = revisitInterval
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }
    }

    public struct DeviceStatus: Sendable, Equatable, Codable {
        public var address: String
        public var visiting: Bool
        public var visits: Int
        public var lastOutcome: String?
        public var stored: Int
        public var duplicates: Int
        public var malformed: Int
        public var lastMalformed: String?
        /// Frames over the profile's rate limit, not stored (`flooding` while the episode lasts).
        public var droppedByRateLimit: Int
        public var flooding: Bool
        /// What the device last said about itself in its advertisements (an Omron cuff: pairing or transfer mode
        /// and its records per user), nil if nothing.
        public var advertised: String?
        /// An Omron cuff handed the patient's records to another phone (`OmronRecordWatch`): what to do, nil if not.
        public var recordsTakenElsewhere: String? = nil
    }

    public struct AdapterStatus: Sendable, Equatable, Codable {
        public var bluetoothdRunning: Bool
        public var adapterPresent: Bool
        public var powered: Bool
        public var discovering: Bool
        public var lastProblem: String?
    }

    private struct Tracked {
        var device: ProvisionedDevice
        var processor: DeviceFrameProcessor
        /// The frame loop, then the frame pump if any (`stop()` ends them differently).
        var tasks: [Task<Void, Never>]
        var visit: Task<Void, Never>?
        var notBefore: ContinuousClock.Instant = .now
        /// Visits the device when `notBefore` passes, for a reason that came while it was waiting.
        var deferredVisit: Task<Void, Never>?
        var failures = 0
        var visits = 0
        var lastOutcome: String?
        /// The device refused the hub's bond on its last visit (`BlueZError.isBondLoss`): visited at the maximum back-off only.
        var bondLost = false
        /// The technician asked for the device's memory to be cleared (`clearMemory`): the next visit does it.
        var memoryClearing: OneShot<Result<DeviceVisit.Report, VisitError>>?
        /// A broadcast-only device (`transport: broadcast`): its advertisements are its readings; it is never visited.
        var broadcast: BroadcastReceiver?
        /// What the device last said about itself in its advertisements (`AdvertisedVisitGate`).
        var advertised: String?
        /// An Omron cuff's accounting of the patient's records (`OmronRecordWatch`), saved in the registry.
        var recordWatch = OmronRecordWatch()

        /// What the technician is told while the cuff's records go to another phone.
        var recordsTakenElsewhere: String? {
            guard recordWatch.episodeRunning else { return nil }
            return OmronRecordWatch.takenElsewhereMessage(address: device.address, name: device.name, user: device.userIndex ?? 1,
                                                          records: recordWatch.takenInEpisode)
        }
    }

    private let client: BlueZClient
    private let registry: DeviceRegistry
    private let store: ReadingStore
    private let catalog: DeviceProfileCatalog
    private let sink: any ReadingSink
    private let settings: Settings
    private let logger: Logger
    private var tracked: [BluetoothAddress: Tracked] = [:]
    private var adapterProblem: String?
    /// The adapter's setup is tried again after a transient failure (bluetoothd 5.66 answers Busy right after a restart).
    private var adapterSetup = AdapterSetupRetry()
    /// One setup runs at a time; one asked for meanwhile (an event while it waits for bluetoothd) runs when it ends.
    private var adapterSetupRunning = false
    private var adapterSetupAgain = false
    /// bluetoothd came back: its devices are visited once the adapter is set up (not before: a connect on an adapter
    /// still powering fails with "No route to host" and the device then waits for an advertisement).
    private var visitsAwaitAdapter = false
    private var eventTask: Task<Void, Never>?
    private var visitObservers: [UUID: AsyncStream<String>.Continuation] = [:]
    /// Set by `stop()`: no device is followed or visited any more, whoever asks (a command still running).
    private var stopped = false
    /// The discovery filter in force lets every LE advertisement through, for broadcast-only devices.
    private var scansForBroadcasts = false
    /// The latest save of an Omron cuff's accounting: each waits for the one before, so the last state is the one kept.
    private var recordWatchSaving: Task<Void, Never>?

    public init(client: BlueZClient, registry: DeviceRegistry, store: ReadingStore, catalog: DeviceProfileCatalog,
                sink: any ReadingSink, settings: Settings, logger: Logger) {
        self.client = client
        self.registry = registry
        self.store = store
        self.catalog = catalog
        self.sink = sink
        self.settings = settings
        self.logger = logger
    }

    public var adapterPath: ObjectPath { BlueZNames.adapterPath(named: settings.adapterName) }

    /// Starts following bluetoothd and the provisioned devices. Returns at once; `stop()` ends it all.
    public func start() async {
        let events = await client.mirror.typedEvents()
        eventTask = Task { [weak self] in
            for await event in events {
                guard let self else { return }
                await self.handle(event)
            }
        }
        await prepareAdapter()
        await reloadDevices()
    }

    /// Ends device work for good, so that the database can close behind it: visits running are cancelled and
    /// awaited (each hangs up on its device), then every frame loop stores what it has received and ends, so
    /// the readings in flight are committed. Nothing is followed or visited afterwards, even if a pairing
    /// command still running asks. Each wait is bounded: a stuck D-Bus call or write cannot hold shutdown.
    public func stop() async {
        stopped = true
        eventTask?.cancel()
        adapterSetup.cancel()
        let entries = Array(tracked.values)
        tracked = [:]
        for entry in entries {
            entry.deferredVisit?.cancel()
            entry.visit?.cancel()
        }
        if await !allEnded(entries.compactMap(\.visit), within: Self.stopGrace) {
            logger.warning("shutdown: a visit did not end in time; its device is left to hang up by itself")
        }
        for entry in entries {
            entry.tasks.dropFirst().forEach { $0.cancel() }  // the frame pumps: no new frames
            entry.processor.stop()  // the frame loop ends once it has stored what it was given
            entry.broadcast?.stop()
        }
        if await !allEnded(entries.compactMap(\.tasks.first), within: Self.stopGrace) {
            logger.warning("shutdown: frames received were not all stored in time; their devices send them again")
        }
        if let saving = recordWatchSaving, await !allEnded([saving], within: Self.stopGrace) {
            logger.warning("shutdown: a cuff's record accounting was not saved in time")
        }
        for observer in visitObservers.values { observer.finish() }
        visitObservers = [:]
    }

    /// How long `stop()` waits for visits, then for frame loops.
    static let stopGrace: Duration = .seconds(5)

    /// Re-reads the registry (after pairing or forgetting): new devices are followed, forgotten ones dropped.
    public func reloadDevices() async {
        guard !stopped else { return }
        let devices: [ProvisionedDevice]
        do { devices = try await registry.all() } catch {
            logger.error("cannot read the provisioned devices: \(error)")
            return
        }
        // Where each Omron cuff's accounting stood, before it is followed (an advertisement would start it afresh).
        var recordWatches: [String: OmronRecordWatch.Snapshot] = [:]
        for device in devices where catalog.profile(id: device.profile)?.advertisedState == .omron
            && BluetoothAddress(device.address).map({ tracked[$0] == nil }) == true {
            recordWatches[device.address] = try? await registry.recordWatch(address: device.address)
        }
        guard !stopped else { return }  // stopped while the registry was read
        // The registry keeps addresses as text; one that is not an address (never provisioned so) names no device.
        let wanted = Dictionary(devices.compactMap { device in BluetoothAddress(device.address).map { ($0, device) } },
                                uniquingKeysWith: { first, _ in first })
        for (address, entry) in tracked where wanted[address] == nil {
            release(entry)
            tracked[address] = nil
            logger.info("device no longer provisioned; its frames are ignored", metadata: ["device": "\(address)"])
        }
        for (address, device) in wanted {
            if var entry = tracked[address] {
                if entry.device.provisionedAt != device.provisionedAt { restartRecordWatch(&entry) }
                entry.device = device
                entry.processor.update(device)
                entry.broadcast?.update(device)
                tracked[address] = entry
                continue
            }
            guard let profile = catalog.profile(id: device.profile) else {
                logger.error("device has unknown profile \(device.profile); not followed", metadata: ["device": "\(address)"])
                continue
            }
            follow(device, at: address, profile: profile)
            if let snapshot = recordWatches[device.address] { restoreRecordWatch(address, snapshot) }
        }
        // A device that is already around (known to bluetoothd, advertising) is visited now.
        for address in wanted.keys { considerVisit(address, reason: "provisioned") }
        if scansForBroadcasts != tracked.values.contains(where: { $0.broadcast != nil }) { await prepareAdapter() }
    }

    /// Visits a device now if it is provisioned and no visit runs (technician's request, tests).
    public func visitNow(_ address: BluetoothAddress) -> Bool {
        guard var entry = tracked[address], entry.visit == nil else { return false }
        entry.notBefore = .now
        tracked[address] = entry
        considerVisit(address, reason: "requested")
        return true
    }

    /// The technician paired the device anew (`dhoctl pair --renew`): the bond problem is over; visit it now.
    public func bondRenewed(_ address: BluetoothAddress) {
        guard var entry = tracked[address] else { return }
        if entry.bondLost { sink.bondChanged(entry.device, lost: false, detail: "") }
        entry.bondLost = false
        entry.failures = 0
        entry.notBefore = .now
        entry.deferredVisit?.cancel()
        entry.deferredVisit = nil
        tracked[address] = entry
        considerVisit(address, reason: "bond renewed")
    }

    /// Visits the device now to fetch its records and then clear its memory up to the last one stored (see
    /// `DeviceVisit.clearMemory`); returns how that visit ended, nil when the device is not followed.
    public func clearMemory(_ address: BluetoothAddress) async -> Result<DeviceVisit.Report, VisitError>? {
        guard var entry = tracked[address] else { return nil }
        guard entry.visit == nil else {
            return .failure(VisitError("clear memory", "a visit of the device is running: try again when it has ended"))
        }
        let answer = OneShot<Result<DeviceVisit.Report, VisitError>>()
        entry.memoryClearing = answer
        entry.notBefore = .now
        tracked[address] = entry
        considerVisit(address, reason: "memory to clear")
        return await answer.value() ?? .failure(VisitError("clear memory", "the visit did not start"))
    }

    /// One line per finished visit ("AA:..: ok" / "AA:..: connect: ..."), for tests and the control interface.
    public func visitOutcomes() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
        let id = UUID()
        visitObservers[id] = continuation
        continuation.onTermination = { [weak self] _ in Task { await self?.removeObserver(id) } }
        return stream
    }

    private func removeObserver(_ id: UUID) { visitObservers[id] = nil }

    public func deviceStatuses() -> [DeviceStatus] {
        tracked.values.map { entry in
            let counters = entry.broadcast?.counters ?? entry.processor.counters
            return DeviceStatus(
                address: entry.device.address, visiting: entry.visit != nil, visits: entry.visits,
                lastOutcome: entry.lastOutcome, stored: counters.stored, duplicates: counters.duplicates,
                malformed: counters.malformed, lastMalformed: counters.lastMalformed,
                droppedByRateLimit: counters.droppedByRateLimit, flooding: entry.processor.isFlooding,
                advertised: entry.advertised, recordsTakenElsewhere: entry.recordsTakenElsewhere)
        }.sorted { $0.address < $1.address }
    }

    public func adapterStatus() async -> AdapterStatus {
        let view = await client.mirror.view
        let adapter = view.adapter(adapterPath)
        return AdapterStatus(
            bluetoothdRunning: view.isServiceAvailable, adapterPresent: adapter != nil,
            powered: adapter?.powered ?? false, discovering: adapter?.discovering ?? false, lastProblem: adapterProblem)
    }

    // MARK: Adapter

    /// Powers the adapter and scans for health services. Called at start, when bluetoothd comes back, when the adapter
    /// reappears (USB dongle re-plugged) or reports Powered after a failed setup, and by `AdapterSetupRetry`; failures
    /// are kept for `status`.
    private func prepareAdapter() async {
        adapterSetup.cancel()
        guard !adapterSetupRunning else {
            adapterSetupAgain = true
            return
        }
        adapterSetupRunning = true
        defer { adapterSetupRunning = false }
        repeat {
            adapterSetupAgain = false
            await setUpAdapter()
        } while adapterSetupAgain && !stopped
    }

    private func setUpAdapter() async {
        let adapter = client.adapter(adapterPath)
        guard await adapter.properties() != nil else {
            adapterProblem = "adapter \(settings.adapterName) not present"
            logger.warning("Bluetooth adapter \(settings.adapterName) not present; waiting for it")
            return
        }
        do throws(BlueZError) {
            try await adapter.powerOn()
            // Broadcast-only devices need every LE advertisement (manufacturer data names no service): scanning so
            // costs bluetoothd and the hub more wake-ups, so only while one is provisioned (README, "Broadcast devices").
            let broadcasts = tracked.values.contains { $0.broadcast != nil }
            try await adapter.setDiscoveryFilter(broadcasts ? .healthAndBroadcastDevices : .healthDevices)
            scansForBroadcasts = broadcasts
            if await adapter.properties()?.discovering != true {
                do { try await adapter.startDiscovery() } catch .bluez(.inProgress, _) {}
            }
        } catch {
            adapterSetupFailed(error)
            return
        }
        adapterProblem = nil
        if let failed = adapterSetup.succeeded() {
            logger.notice("Bluetooth adapter set up after \(failed) failed attempt(s); scanning for health devices",
                          metadata: ["adapter": "\(settings.adapterName)"])
        } else {
            logger.info("scanning for health devices", metadata: ["adapter": "\(settings.adapterName)"])
        }
        visitAfterBluetoothdRestart()
    }

    /// A transient failure is tried again after a back-off and logged once per episode; any other is logged each time
    /// and waits for bluetoothd or the adapter to change (an event sets it up again).
    private func adapterSetupFailed(_ error: BlueZError) {
        let first = adapterSetup.failed()
        guard !stopped, AdapterSetupRetry.isTransient(error) else {
            adapterProblem = "adapter \(settings.adapterName): \(error)"
            logger.error("cannot prepare the Bluetooth adapter: \(error)")
            visitAfterBluetoothdRestart()
            return
        }
        adapterProblem = "adapter \(settings.adapterName) not set up yet (trying again): \(error)"
        let delay = adapterSetup.nextDelay
        if first {
            logger.warning("""
                cannot prepare the Bluetooth adapter yet: \(error); trying again in \(delay), backing off to \
                \(AdapterSetupRetry.maximumDelay), and at once when it reports Powered
                """)
        } else {
            logger.debug("Bluetooth adapter setup failed again: \(error); next attempt in \(delay)")
        }
        adapterSetup.schedule { [weak self] in await self?.adapterSetupRetryDue() }
    }

    private func adapterSetupRetryDue() async {
        guard !Task.isCancelled, !stopped else { return }
        adapterSetup.begins()
        await prepareAdapter()
    }

    /// The devices are visited after bluetoothd came back, once the adapter is set up or cannot be by waiting.
    private func visitAfterBluetoothdRestart() {
        guard visitsAwaitAdapter else { return }
        visitsAwaitAdapter = false
        for address in tracked.keys { considerVisit(address, reason: "bluetoothd restarted") }
    }

    // MARK: Events

    private func handle(_ event: BlueZEvent) async {
        switch event {
        case .serviceAvailable:
            logger.notice("bluetoothd is available again; resuming")
            visitsAwaitAdapter = true
            await prepareAdapter()
        case .serviceLost:
            adapterSetup.cancel()
            adapterProblem = "bluetoothd is not running"
            logger.warning("bluetoothd left the bus; waiting for it to come back")
        case .adapter(adapterPath, .added):
            logger.notice("Bluetooth adapter \(settings.adapterName) appeared")
            await prepareAdapter()
        case .adapter(adapterPath, .removed):
            adapterSetup.cancel()
            adapterProblem = "adapter \(settings.adapterName) removed"
            logger.warning("Bluetooth adapter \(settings.adapterName) removed; waiting for it to come back")
        case .adapter(adapterPath, .powered(false)):
            logger.warning("Bluetooth adapter powered off; powering it on again")
            await prepareAdapter()
        case .adapter(adapterPath, .powered(true)) where adapterSetup.failing:
            // bluetoothd finished powering it (after a restart): what it refused as Busy can work now.
            logger.notice("Bluetooth adapter \(settings.adapterName) reports Powered; setting it up again")
            await prepareAdapter()
        case let .device(path, .added(properties)):
            // A broadcast device's data in a new object may be what bluetoothd kept from long ago (its device cache):
            // only the advertisements reported from now on are taken (a scale repeats each weighing for seconds).
            if let address = address(of: path),
               advertisementCallsForVisit(address, AdvertisedData(manufacturerData: properties.manufacturerData)) {
                considerVisit(address, reason: "advertisement")
            }
        case let .device(path, .advertised(advertisement)):
            if let address = address(of: path) {
                let data = AdvertisedData(serviceData: advertisement.serviceData ?? [:], manufacturerData: advertisement.manufacturerData ?? [:])
                tracked[address]?.broadcast?.submit(data)
                if advertisementCallsForVisit(address, data) { considerVisit(address, reason: "advertisement") }
            }
        case let .device(path, .connected(true)):
            if let address = address(of: path) { considerVisit(address, reason: "device connected") }
        default:
            break
        }
    }

    /// Whether an advertisement is a reason to visit the device: always, unless its profile reads its advertised
    /// state and that says there is nothing for the patient or it waits to be paired (told once per change).
    private func advertisementCallsForVisit(_ address: BluetoothAddress, _ data: AdvertisedData) -> Bool {
        guard let entry = tracked[address], let format = catalog.profile(id: entry.device.profile)?.advertisedState else { return true }
        let (decision, summary) = AdvertisedVisitGate.decide(format, data, userIndex: entry.device.userIndex)
        guard let summary else { return true }
        let changed = entry.advertised != summary
        tracked[address]?.advertised = summary
        if let slot = OmronRecordWatch.patientSlot(format, data, userIndex: entry.device.userIndex) {
            let event = tracked[address]?.recordWatch.advertised(
                sequence: slot.sequenceNumber, records: Int(slot.records), received: entry.processor.counters.receivedFromPatientSlot)
            recordWatchReported(event, address, before: entry.recordWatch)
        }
        switch decision {
        case .visit:
            return true
        case let .wait(reason):
            logger.debug("advertisement: \(reason); not visited", metadata: ["device": "\(address)"])
            return false
        case let .pairingMode(state):
            if changed {
                logger.notice("device is in pairing mode (\(state)): the hub does not connect until it is back in transfer mode",
                              metadata: ["device": "\(address)"])
            }
            return false
        }
    }

    /// Raises the alert when the cuff handed records to another phone (once per episode; the count grows in `dhoctl
    /// devices`), clears it when the hub has again received every record.
    private func recordWatchReported(_ event: OmronRecordWatch.Event?, _ address: BluetoothAddress, before: OmronRecordWatch) {
        guard let entry = tracked[address] else { return }
        if entry.recordWatch.snapshot != before.snapshot { saveRecordWatch(entry.device, entry.recordWatch) }
        switch event {
        case nil:
            break
        case let .takenElsewhere(records):
            logger.notice("\(records) record(s) of the patient's slot went to another central", metadata: ["device": "\(address)"])
            sink.recordsTakenElsewhereChanged(entry.device, taken: true, detail: entry.recordsTakenElsewhere ?? "")
        case .complete:
            sink.recordsTakenElsewhereChanged(entry.device, taken: false, detail: "")
        }
    }

    /// The accounting saved before the daemon started; a running episode is raised again at once (alerts live in memory).
    private func restoreRecordWatch(_ address: BluetoothAddress, _ snapshot: OmronRecordWatch.Snapshot) {
        guard var entry = tracked[address] else { return }
        entry.recordWatch = OmronRecordWatch(restoring: snapshot)
        tracked[address] = entry
        if let detail = entry.recordsTakenElsewhere { sink.recordsTakenElsewhereChanged(entry.device, taken: true, detail: detail) }
    }

    /// Provisioned anew (another patient, another user slot): the accounting starts afresh (the registry dropped it).
    private func restartRecordWatch(_ entry: inout Tracked) {
        if entry.recordWatch.episodeRunning { sink.recordsTakenElsewhereChanged(entry.device, taken: false, detail: "") }
        entry.recordWatch = OmronRecordWatch()
    }

    private func saveRecordWatch(_ device: ProvisionedDevice, _ watch: OmronRecordWatch) {
        guard let snapshot = watch.snapshot else { return }
        let previous = recordWatchSaving, registry = registry, logger = logger
        recordWatchSaving = Task {
            await previous?.value
            do { try await registry.saveRecordWatch(of: device, snapshot) } catch {
                logger.warning("the cuff's record accounting was not saved: \(error)", metadata: ["device": "\(device.address)"])
            }
        }
    }

    /// The provisioned address whose device object `path` is (on our adapter), if any.
    private func address(of path: ObjectPath) -> BluetoothAddress? {
        guard path.parent == adapterPath, let address = BluetoothAddress(devicePath: path) else { return nil }
        return tracked[address] != nil ? address : nil
    }

    // MARK: Devices

    private func follow(_ device: ProvisionedDevice, at address: BluetoothAddress, profile: DeviceProfile) {
        let processor = DeviceFrameProcessor(
            device: device, sink: sink, registry: registry, logger: logger,
            interpreter: FrameInterpreter(settling: profile.continuousSettling, measuringRange: profile.measuringRange), rateLimit: profile.rateLimit)
        if let reception = profile.broadcast {
            followBroadcasts(device, at: address, profile: profile, reception: reception, processor: processor)
            return
        }
        let subscribed = Set(profile.subscriptions.map(\.characteristic))
        let client = client
        let devicePath = address.devicePath(on: adapterPath)
        let tasks = [
            Task { await processor.run() },
            Task { await DeviceFramePump.run(client: client, devicePath: devicePath, subscribed: subscribed, processor: processor) },
        ]
        tracked[address] = Tracked(device: device, processor: processor, tasks: tasks)
        logger.info("following provisioned device", metadata: ["device": "\(address)", "profile": "\(profile.id)"])
    }

    /// A broadcast-only device: its advertisement loop stands in for the frame loop (its processor never runs);
    /// it is never connected to.
    private func followBroadcasts(_ device: ProvisionedDevice, at address: BluetoothAddress, profile: DeviceProfile,
                                  reception: BroadcastReception, processor: DeviceFrameProcessor) {
        let receiver: BroadcastReceiver
        do {
            receiver = try BroadcastReceiver(device: device, reception: reception, rateLimit: profile.rateLimit, sink: sink,
                                             store: store, timeZone: settings.visit.timeZone, logger: logger)
        } catch {
            logger.error("device not followed: \(error)", metadata: ["device": "\(address)"])
            return
        }
        tracked[address] = Tracked(device: device, processor: processor, tasks: [Task { await receiver.run() }], broadcast: receiver)
        logger.info("following provisioned broadcast device", metadata: ["device": "\(address)", "profile": "\(profile.id)"])
    }

    private func release(_ entry: Tracked) {
        entry.deferredVisit?.cancel()
        entry.visit?.cancel()
        entry.tasks.forEach { $0.cancel() }
        entry.processor.stop()
        entry.broadcast?.stop()
    }

    private func considerVisit(_ address: BluetoothAddress, reason: String) {
        guard !stopped, let waiting = tracked[address], waiting.visit == nil, waiting.broadcast == nil else { return }
        guard ContinuousClock.now >= waiting.notBefore else {
            deferVisit(address, reason: reason)
            return
        }
        guard var entry = tracked[address], let profile = catalog.profile(id: entry.device.profile) else { return }
        let client = client, registry = registry, store = store, settings = settings.visit, logger = logger
        let processor = entry.processor, cached = entry.device, memoryClearing = entry.memoryClearing
        entry.memoryClearing = nil
        let bluetoothDevice = client.device(address.devicePath(on: adapterPath))
        logger.debug("visiting device (\(reason))", metadata: ["device": "\(address)"])
        entry.visit = Task { [weak self] in
            // The registry holds the current RACP cursor (moved by the frame processor since the last visit).
            let device = ((try? await registry.device(address: address.description)) ?? nil) ?? cached
            var visit = DeviceVisit(
                client: client, bluetoothDevice: bluetoothDevice, device: device, profile: profile,
                processor: processor, store: store, settings: settings, logger: logger)
            visit.clearsMemory = memoryClearing != nil
            let outcome: Result<DeviceVisit.Report, VisitError>
            do throws(VisitError) { outcome = .success(try await visit.run()) } catch { outcome = .failure(error) }
            memoryClearing?.deliver(outcome)
            await self?.finished(address, outcome)
        }
        tracked[address] = entry
    }

    /// A device that shows up while its back-off or revisit interval runs is visited when it ends. Without
    /// this it could be missed for good: the real bluetoothd announces an advertising device only when
    /// something changes (its RSSI by several dB, new advertising data), and a device that advertised in
    /// vain stops after a while (issue 18).
    private func deferVisit(_ address: BluetoothAddress, reason: String) {
        guard var entry = tracked[address], entry.deferredVisit == nil else { return }
        let due = entry.notBefore
        entry.deferredVisit = Task { [weak self] in
            do { try await CancellableSleep.sleep(until: due) } catch { return }
            await self?.deferredVisitDue(address, reason: reason)
        }
        tracked[address] = entry
    }

    private func deferredVisitDue(_ address: BluetoothAddress, reason: String) {
        tracked[address]?.deferredVisit = nil
        considerVisit(address, reason: "\(reason), deferred")
    }

    /// Names the device by address and model (never the patient), and says what the technician must do.
    private func bondLossMessage(_ device: ProvisionedDevice) async -> String {
        let sensor = try? await store.sensor(try SensorKey(device.sensorKey))
        let model = sensor?.model ?? device.name
        return "device \(device.address)\(model.map { " (\($0))" } ?? "") refuses the hub's bond (its pairing was lost: "
            + "battery change or reset); no readings until it is paired again: put it in pairing mode and run "
            + "dhoctl pair --renew \(device.address)"
    }

    private func finished(_ address: BluetoothAddress, _ outcome: Result<DeviceVisit.Report, VisitError>) async {
        // Read before the entry is copied: the actor may run other work while this waits for the store.
        var bondLossDetail: String?
        if case let .failure(error) = outcome, error.bondLost, let device = tracked[address]?.device {
            bondLossDetail = await bondLossMessage(device)
        }
        guard var entry = tracked[address] else { return }
        entry.visit = nil
        entry.visits += 1
        let failure: String?
        switch outcome {
        case let .success(report):
            failure = nil
            entry.failures = 0
            if entry.bondLost { sink.bondChanged(entry.device, lost: false, detail: "") }
            entry.bondLost = false
            entry.notBefore = .now + settings.revisitInterval
            entry.lastOutcome = "ok (\(report.endedBy))"
            logger.info("visit done: \(report.endedBy)", metadata: ["device": "\(address)", "clock-set": "\(report.clockSet)"])
        case let .failure(error):
            failure = error.description
            entry.failures += 1
            // A device that refuses the bond fails the same way on every attempt until it is paired anew:
            // trying it at the maximum back-off (not on every advertisement) spares its battery and the radio.
            let backoff = error.bondLost ? settings.maximumBackoff
                : min(settings.maximumBackoff, settings.initialBackoff * (1 << min(entry.failures - 1, 16)))
            if let bondLossDetail, !entry.bondLost {
                entry.bondLost = true
                sink.bondChanged(entry.device, lost: true, detail: bondLossDetail)
            }
            entry.notBefore = .now + backoff
            entry.lastOutcome = error.description
            logger.notice("visit failed: \(error); next attempt in \(backoff) at the earliest", metadata: ["device": "\(address)"])
        }
        tracked[address] = entry
        if case .success = outcome {
            let before = entry.recordWatch
            recordWatchReported(tracked[address]?.recordWatch.visitEnded(received: entry.processor.counters.receivedFromPatientSlot),
                                address, before: before)
        }
        // A visit that failed after the link was up (a characteristic missing, a refused record request) is
        // tried again once the back-off ends, advertisement or not: the device was hung up on and may not
        // advertise again by itself until its next measurement. A failed connect waits for the device.
        if case let .failure(error) = outcome, error.step != "connect", !error.bondLost {
            deferVisit(address, reason: "retry after failed \(error.step)")
        }
        do { try await registry.recordVisit(address: address.description, at: Date(), failure: failure) } catch {
            logger.warning("visit outcome not recorded: \(error)")
        }
        for observer in visitObservers.values { observer.yield("\(address): \(failure ?? "ok")") }
    }
}
