import CancellableTimers
import Foundation
import HealthProfiles
public import Logging
public import ReadingStore
import Synchronization

/// Settings of the delivery loop.
public struct ForwarderConfiguration: Sendable, Hashable {
    /// Outbox items per transaction Bundle.
    public var batchSize: Int
    public var retry: DeliveryBackoff
    /// How often `run` looks at the queue when nobody calls `wake()`: a safety net only, since whatever queues
    /// something wakes the forwarder. Five minutes, not the former 30 s: each look is a burst of ~40 wake-ups
    /// (timer, claim, status read, thread hops), and every reading restarted the 30 s wait, so the minute after
    /// a load had a burst at 30 s and at 60 s (`bench resources`, issue 16).
    public var idlePollInterval: Duration
    /// Urgent items (red readings, alert Flags) are tried at least this often however long the back-off
    /// (a server's Retry-After, a long exponential delay) that holds the other items back.
    public var urgentRetryInterval: Duration
    /// `run` sends parked items again when they were parked this long ago (the receiver may have been fixed);
    /// nil: only when asked (`requeueParked`) or when `parkContext` changes.
    public var parkedRetryInterval: Duration?
    /// Recorded with each item parked (`EndpointConfiguration.fingerprint`); `run` sends items parked under
    /// another context again.
    public var parkContext: String?
    /// How long `run` may keep a delivery the receiver accepted unrecorded, waiting for the next reading's claim
    /// to record it in the same commit (`.zero`: recorded at once). See `Forwarder+Pipeline.swift`.
    public var deliveryMarkDelay: Duration

    public init(
        batchSize: Int = 50, retry: DeliveryBackoff = DeliveryBackoff(), idlePollInterval: Duration = .seconds(300),
        urgentRetryInterval: Duration = .seconds(30), parkedRetryInterval: Duration? = nil, parkContext: String? = nil,
        deliveryMarkDelay: Duration = .milliseconds(250)
    ) {
        self.batchSize = max(1, batchSize)
        self.retry = retry
        self.idlePollInterval = idlePollInterval
        self.urgentRetryInterval = max(urgentRetryInterval, .milliseconds(10))
        self.parkedRetryInterval = parkedRetryInterval
        self.parkContext = parkContext
        self.deliveryMarkDelay = max(deliveryMarkDelay, .zero)
    }
}

/// How the forwarder waits. Injectable so tests can record the delays it chose (e.g. that Retry-After was
/// honoured) without asserting on wall-clock time.
public struct Sleeper: Sendable {
    /// Waits for the signal or the timeout, whichever comes first.
    let waitForSignal: @Sendable (WakeSignal, Duration) async -> Void

    /// A sleeper that races `sleep` against the signal (two child tasks per wait).
    public init(_ sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.waitForSignal = { signal, timeout in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await sleep(timeout) }
                group.addTask { await signal.wait() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    private init(waitForSignal: @escaping @Sendable (WakeSignal, Duration) async -> Void) {
        self.waitForSignal = waitForSignal
    }

    /// The signal's own timed wait: one timer reused for every wait (`WakeSignal`), where racing a sleep made a
    /// timer and two tasks after every reading.
    public static let live = Sleeper(waitForSignal: { await $0.wait(atMost: $1) })
}

/// What one `forwardOnce` did.
public struct ForwardReport: Sendable, Hashable {
    /// Items claimed from the outbox.
    public var claimed = 0
    /// Batches claimed (Bundles built; a rejected one is sent again in parts).
    public var bundles = 0
    public var delivered = 0
    public var parked = 0
    /// The failure that sent the unresolved items back to the queue, if any.
    public var failure: String?
    /// How long to wait before the next attempt, when `failure` is set.
    public var retryDelay: Duration?

    public init() {}
}

/// A sensor's Device entry depends on the sensor and, when its record names no profile, the reading's kind.
struct SensorDeviceKey: Hashable {
    let sensor: SensorKey
    let kind: ReadingKind
}

/// What `drain` did in total.
public struct DrainReport: Sendable, Hashable {
    public var delivered = 0
    public var parked = 0
    public var failures = 0
    public var bundles = 0

    public init() {}
}

/// Delivers the outbox to the FHIR receiver: oldest first, in transaction Bundles, at least once, with
/// idempotent entries so the receiver keeps exactly one copy.
///
/// Per response:
/// - 2xx with a transaction-response whose entries are 2xx: the items are delivered (a conditional create
///   answers 201 created or 200 already there, a conditional update 201 created or 200 updated).
/// - 400/409/412/422 (and 413 for a single item): the receiver rejects the data. A batch is split in halves
///   and retried until the offending item is alone; it is parked with the server's OperationOutcome and the
///   others are delivered, so one bad item never blocks the queue.
/// - 5xx, 429, 408, transport errors (refused, reset, timeout, TLS), 401/403/404 and anything unexpected:
///   not the data's fault. The items go back to the queue with exponential backoff and full jitter, or the
///   server's Retry-After; nothing is marked delivered.
/// A crash at any point leaves items pending or in flight; the store returns in-flight items to the queue
/// when it is opened again, and the receiver's conditional create absorbs the resend.
///
/// A failure puts the whole receiver under a back-off (in memory: a restart, `forwardNow()` or any success
/// ends it). During it only urgent items are sent, at most every `urgentRetryInterval`, as probes; every
/// wait can be cut short by `wake()`.
public actor Forwarder {
    let store: ReadingStore
    let transport: any FHIRTransport
    let mapper: FHIRMapper
    let annotations: (any ObservationAnnotations)?
    let configuration: ForwarderConfiguration
    let logger: Logger
    let sleeper: Sleeper
    /// "Now" for claiming due items and scheduling retries (never runs backwards; see `ScheduleClock`).
    let clock: ScheduleClock
    var consecutiveFailures = 0
    /// Pending items may carry retry times from a back-off that is over (a failure since the receiver last
    /// answered, or a previous run's): the next answer from the receiver pulls them in.
    var retryTimesMayBeStale = true
    /// Until when the receiver is left alone after a failure (except for urgent probes); schedule-clock time.
    var backoffUntil: Date?
    /// When the last batch was claimed: urgent probes during a back-off are spaced from it.
    var lastAttemptAt: Date?
    /// When `run` next looks for parked items to send again (see `requeueParkedWhenDue`).
    var nextParkedRequeue: Date?
    /// Sensors' Device entries with the record each was built from (see `sensorDevice`).
    var sensorDevices: [SensorDeviceKey: (record: SensorRecord?, entry: BundleEntry)] = [:]
    /// Items resolved (delivered or parked) during the current `forwardOnce`.
    var resolved: Set<Int64> = []
    /// Told when the set of parked items may have changed (the gateway re-evaluates its technical alert).
    let parkedChanged: (@Sendable () async -> Void)?
    private let wakeSignal = WakeSignal()
    /// Counts `wake()` and `forwardNow()` calls: the pipelined drain claims ahead only when one came since its
    /// last claim (`claimedAtWake`) or the batch on the wire was full.
    let wakes = Mutex<UInt64>(0)
    var claimedAtWake: UInt64 = 0
    /// What still waited when the last run ended on an empty claim (nil: it ended otherwise): `drain` needs
    /// no status query then.
    var endedOnEmptyClaim: OutboxWaiting?
    /// Accepted by the receiver, not yet recorded: `run` records them with the next claim, or once
    /// `deliveryMarkDelay` has passed without one (see `Forwarder+Pipeline.swift`).
    var deferredDeliveries: [Int64] = []
    let forwardNowRequested = Mutex(false)
    private let finishRequested = Mutex(false)

    /// - Parameters:
    ///   - annotations: asked before mapping each batch for what to add to the readings' Observations, from what
    ///     was attached to their outbox items (the gateway wires `TriageAnnotations`, so Observations carry the
    ///     traffic-light zone triage attached when it released the reading).
    ///   - parkedChanged: called after items were parked or parked items requeued.
    public init(
        store: ReadingStore, transport: any FHIRTransport, mapper: FHIRMapper,
        annotations: (any ObservationAnnotations)? = nil,
        configuration: ForwarderConfiguration = ForwarderConfiguration(),
        logger: Logger = Logger(label: "dho.forwarding"), sleeper: Sleeper = .live, clock: ScheduleClock = ScheduleClock(),
        parkedChanged: (@Sendable () async -> Void)? = nil
    ) {
        self.parkedChanged = parkedChanged
        self.store = store
        self.transport = transport
        self.mapper = mapper
        self.annotations = annotations
        self.configuration = configuration
        self.logger = logger
        self.sleeper = sleeper
        self.clock = clock
    }

    /// Tells `run` that something was queued (the gateway calls this after `ingest`). Cuts any wait short;
    /// a back-off still holds for items that are not urgent.
    public nonisolated func wake() {
        wakes.withLock { $0 &+= 1 }
        wakeSignal.signal()
    }

    /// Forward everything now (`dhoctl forward`): ends any back-off, brings every waiting item's retry time
    /// forward and wakes the loop, whatever it is waiting for.
    public nonisolated func forwardNow() {
        forwardNowRequested.withLock { $0 = true }
        wakes.withLock { $0 &+= 1 }
        wakeSignal.signal()
    }

    /// Ends `run` and `drain` once the batch being sent has its answer recorded: no new batch is claimed, and
    /// a wait (idle, back-off) ends at once. The daemon's shutdown uses it instead of cancelling the loop,
    /// which could leave a batch the receiver accepted marked in flight (and sent again at the next start).
    public nonisolated func finish() {
        finishRequested.withLock { $0 = true }
        wakeSignal.signal()
    }

    /// Neither cancelled nor asked to `finish()`.
    var keepsGoing: Bool { !Task.isCancelled && !finishRequested.withLock { $0 } }

    /// Forwards until cancelled or `finish()`: sends parked items again when that is due, drains whatever is
    /// due, then waits for `wake()` or the poll interval.
    public func run() async {
        while keepsGoing {
            await requeueParkedWhenDue()
            _ = await drain(deferringDeliveryMarks: configuration.deliveryMarkDelay > .zero)
            guard keepsGoing else { return }
            await waitForWork(min(configuration.idlePollInterval, configuration.parkedRetryInterval ?? .seconds(86_400)))
        }
    }

    /// Forwards until no item is waiting (everything delivered or parked), waiting through backoff and
    /// Retry-After (waits that `wake()` cuts short). Returns early when the task is cancelled or on `finish()`.
    public func drain() async -> DrainReport {
        await drain(deferringDeliveryMarks: false)
    }

    /// `drain`; with `deferringDeliveryMarks` (under `run`), a delivery that no claim followed is recorded with the
    /// next one if it comes within `deliveryMarkDelay`, and at the end of that delay otherwise.
    func drain(deferringDeliveryMarks: Bool) async -> DrainReport {
        var total = DrainReport()
        while keepsGoing {
            await honourForwardNow()
            // During a back-off only urgent probes go, one batch at a time; otherwise the next Bundle is
            // prepared while one is on the wire.
            let probing = backoffUntil.map { clock.now() < $0 } ?? false
            let report = probing
                ? await forwardOnce() : await forwardPipelined(deferringDeliveryMarks: deferringDeliveryMarks)
            total.delivered += report.delivered
            total.parked += report.parked
            total.bundles += report.bundles
            if !deferredDeliveries.isEmpty {
                // The next reading's wake-up ends this wait and its claim records them; otherwise they are
                // recorded (with a claim that finds nothing) when it ends.
                await waitForWork(configuration.deliveryMarkDelay)
                continue
            }
            if let delay = report.retryDelay {
                total.failures += 1
                await waitForWork(await firstWait(after: delay))
                continue
            }
            // A run that ended on an empty claim says what still waits; otherwise claim again, or ask.
            let waiting: OutboxWaiting
            if let ended = endedOnEmptyClaim {
                waiting = ended
            } else {
                if report.claimed > 0 { continue }
                // Nothing due now: finished, or items wait for a backoff.
                do {
                    let status = try await store.outboxStatus()
                    waiting = OutboxWaiting(pending: status.pending > 0, nextAttemptAt: status.nextAttemptAt)
                } catch {
                    logger.error("cannot read the outbox status", metadata: ["error": "\(error)"])
                    await waitForWork(configuration.retry.baseDelay)
                    continue
                }
            }
            guard waiting.pending else { return total }
            await waitForWork(await waitForDueItems(waiting))
        }
        total.delivered += await recordDeferredDeliveries()
        return total
    }

    /// Records what `deferredDeliveries` holds (when the run ends, or before a claim that would not record it).
    /// Returns how many were recorded. Not recorded (the task was cancelled, the store failed): they stay in
    /// flight, return to the queue at the next open and are sent again, which the receiver absorbs.
    func recordDeferredDeliveries() async -> Int {
        guard !deferredDeliveries.isEmpty else { return 0 }
        let ids = deferredDeliveries
        deferredDeliveries = []
        do {
            try await store.markDelivered(ids)
            return ids.count
        } catch {
            logger.error("delivered items could not be marked delivered", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// One delivery attempt: claims up to `batchSize` due items and sends them (splitting on rejection).
    /// During a back-off only urgent items are claimed, and only once `urgentRetryInterval` has passed since
    /// the last attempt. Never sleeps; the report says how long to wait after a failure.
    public func forwardOnce() async -> ForwardReport {
        var report = ForwardReport()
        report.delivered = await recordDeferredDeliveries()
        resolved = []
        let now = clock.now()
        let probing = backoffUntil.map { now < $0 } ?? false
        endedOnEmptyClaim = nil
        if probing, let last = lastAttemptAt, now < last.addingTimeInterval(configuration.urgentRetryInterval.inSeconds) {
            return report
        }
        if !probing { backoffUntil = nil }
        let batch: ClaimedBatch
        do {
            batch = try await store.claimDelivery(limit: configuration.batchSize, now: now, urgentOnly: probing)
        } catch {
            return fail(report, reason: "outbox unavailable: \(error)", retryAfter: nil)
        }
        let claimed = batch.items
        report.claimed = claimed.count
        guard !claimed.isEmpty else {
            endedOnEmptyClaim = batch.waiting
            return report
        }
        report.bundles = 1
        lastAttemptAt = now
        if probing {
            logger.info("probing the FHIR receiver with urgent items during its back-off", metadata: ["items": "\(claimed.count)"])
        }

        let built = await build(batch)
        report.parked = built.report.parked
        if let failure = built.failure {
            report = fail(report, reason: failure, retryAfter: nil)
            await reschedule(claimed, report: report)
            return report
        }
        var outcome = Outcome.done
        if let bundle = built.bundle {
            var recordNow: [Int64]? = nil
            outcome = await settle(
                await transport.answer(posting: bundle.body), bundle: bundle, items: built.prepared, report: &report,
                acceptedToRecord: &recordNow)
        }
        if case let .transient(reason, retryAfter) = outcome {
            report = fail(report, reason: reason, retryAfter: retryAfter)
            await reschedule(claimed, report: report)
        } else if report.delivered > 0 || report.parked > 0 {
            await receiverAnswered()
        }
        if report.parked > 0 { await parkedChanged?() }
        return report
    }

    // MARK: - Building

    /// The FHIR entries of each item. Items that cannot be built (unreadable payload, reading gone) are parked
    /// at once: retrying cannot fix them and they must not block the queue. A failure to build the readings'
    /// annotations is thrown: the whole batch is retried later, never sent without them.
    func prepare(_ batch: ClaimedBatch, report: inout ForwardReport) async throws -> [PreparedItem] {
        let (items, readings, sensors) = (batch.items, batch.readings, batch.sensors)
        var interpretations: [ObservationTarget: FHIRCodeableConcept] = [:]
        if let annotations, !readings.isEmpty {
            let targets = readings.values.sorted { $0.rowID < $1.rowID }.flatMap(FHIRMapper.annotationTargets(for:))
            var attached: [ReadingID: [UInt8]] = [:]
            for item in items where item.kind == .reading { attached[ReadingID(rawValue: item.key)] = item.annotation }
            interpretations = try annotations.interpretations(for: targets, attached: attached)
        }
        var prepared: [PreparedItem] = []
        for item in items {
            do throws(ForwardingError) {
                let entries: [SerializedEntry]
                if let rowID = item.readingRowID {
                    guard let stored = readings[rowID] else {
                        throw .invalidPayload("the reading of outbox item \(item.id) is no longer stored")
                    }
                    let device = sensorDevice(stored.sensor, record: sensors[stored.sensor], kind: stored.reading.kind)
                    entries = mapper.serializedEntries(for: stored, sensorDevice: device, interpretations: interpretations)
                } else {
                    entries = try Self.queuedEntries(item, canonical: mapper.configuration.canonical).map(SerializedEntry.init)
                }
                prepared.append(PreparedItem(item: item, entries: entries))
            } catch {
                try await store.park(item.id, reason: error.description, context: configuration.parkContext)
                resolved.insert(item.id)
                report.parked += 1
                logger.error("parked an outbox item that cannot be sent", metadata: [
                    "item": "\(item.id)", "kind": "\(item.kind)", "error": "\(error)",
                ])
            }
        }
        return prepared
    }

    /// A sensor's Device entry, built again only when its stored record changed. It is the same for all of a
    /// sensor's readings, and under a live flow every round is a batch of one reading of the same sensor:
    /// rebuilding it per batch was 1.4 % of the daemon's CPU under `bench resources`' load (perf, issue 16).
    func sensorDevice(_ sensor: SensorKey, record: SensorRecord?, kind: ReadingKind) -> BundleEntry {
        let key = SensorDeviceKey(sensor: sensor, kind: kind)
        if let cached = sensorDevices[key], cached.record == record { return cached.entry }
        let entry = mapper.sensorDevice(sensor, record: record, kind: kind)
        // A hub has a handful of sensors; the bound only keeps a stream of new ones from growing it for ever.
        if sensorDevices.count >= 64 { sensorDevices.removeAll() }
        sensorDevices[key] = (record, entry)
        return entry
    }

    /// The entries another module queued, with URLs an older version wrote upgraded (see
    /// `ProjectCanonical.upgradingLegacyURLs`): what is queued is sent, in today's form.
    static func queuedEntries(_ item: OutboxItem, canonical: ProjectCanonical) throws(ForwardingError) -> [BundleEntry] {
        guard let payload = item.payload else { throw .invalidPayload("outbox item \(item.id) has no payload") }
        let json: JSON
        do { json = try JSON.parse(payload) } catch { throw .invalidPayload("item \(item.id): \(error)") }
        guard let list = json.arrayValue, !list.isEmpty else {
            throw .invalidPayload("item \(item.id): the payload must be a non-empty array of Bundle entries")
        }
        var entries: [BundleEntry] = []
        for entry in list { entries.append(try BundleEntry(queued: canonical.upgradingLegacyURLs(entry))) }
        return entries
    }

    // MARK: - Sending

    enum Outcome {
        case done
        case transient(reason: String, retryAfter: Duration?)
    }

    /// What a status code says about the data.
    enum Verdict {
        case accepted
        case rejected
        case tooLarge
        case retry
    }

    static func verdict(_ status: Int) -> Verdict {
        switch status {
        case 200...299: return .accepted
        case 400, 409, 410, 412, 422: return .rejected
        case 413: return .tooLarge
        default: return .retry
        }
    }

    func deliver(_ items: [PreparedItem], report: inout ForwardReport) async -> Outcome {
        guard !items.isEmpty else { return .done }
        let bundle = TransactionBundle(items)
        var recordNow: [Int64]? = nil
        return await settle(
            await transport.answer(posting: bundle.body), bundle: bundle, items: items, report: &report,
            acceptedToRecord: &recordNow)
    }

    /// Acts on the answer to `bundle`. Items the receiver accepted are marked delivered, or, when
    /// `acceptedToRecord` is not nil (the pipelined drain), added to it for the caller to record with its next
    /// claim. A rejected Bundle is split and its halves are sent (and recorded) at once.
    func settle(
        _ answer: Result<HTTPResponse, TransportError>, bundle: TransactionBundle, items: [PreparedItem],
        report: inout ForwardReport, acceptedToRecord: inout [Int64]?
    ) async -> Outcome {
        let response: HTTPResponse
        switch answer {
        case let .success(answered): response = answered
        case let .failure(error): return .transient(reason: error.description, retryAfter: nil)
        }
        switch Self.verdict(response.status) {
        case .accepted:
            return await accept(response, bundle: bundle, items: items, report: &report, acceptedToRecord: &acceptedToRecord)
        case .rejected, .tooLarge:
            guard items.count > 1 else {
                await park(items[0].item, response: response, report: &report)
                return .done
            }
            // Find the offending item(s): halves until each rejected item is alone.
            let middle = items.count / 2
            let first = await deliver(Array(items[..<middle]), report: &report)
            if case .transient = first { return first }
            return await deliver(Array(items[middle...]), report: &report)
        case .retry:
            let retryAfter = RetryAfter.delay(response.headers["retry-after"], now: Date())
            return .transient(reason: "HTTP \(response.status) from the FHIR receiver", retryAfter: retryAfter)
        }
    }

    func accept(
        _ response: HTTPResponse, bundle: TransactionBundle, items: [PreparedItem], report: inout ForwardReport,
        acceptedToRecord: inout [Int64]?
    ) async -> Outcome {
        let parsed: TransactionResponse
        do {
            parsed = try TransactionResponse.parse(response.body, expectedEntries: bundle.entryCount)
        } catch {
            // Never assume delivery from a 2xx we cannot read (a captive portal answers 200 too).
            return .transient(reason: error.description, retryAfter: nil)
        }
        var delivered: [Int64] = []
        var retry: [PreparedItem] = []
        for prepared in items {
            let positions = bundle.entryIndices[prepared.item.id] ?? []
            let statuses = positions.map { parsed.statuses[$0] }
            if statuses.allSatisfy({ (200...299).contains($0) }) {
                delivered.append(prepared.item.id)
            } else if let bad = positions.first(where: { Self.verdict(parsed.statuses[$0]) == .rejected }) {
                // Only a batch-response can reject single entries; a transaction fails as a whole.
                let reason = "entry status \(parsed.statuses[bad])"
                    + (OperationOutcomeText.summary(parsed.outcomes[bad]).map { ": " + $0 } ?? "")
                await park(prepared.item, reason: reason, report: &report)
            } else {
                retry.append(prepared)
            }
        }
        if acceptedToRecord != nil {
            // Recorded by the caller with its next claim (one commit); counted as delivered then.
            acceptedToRecord?.append(contentsOf: delivered)
            resolved.formUnion(delivered)
            return retry.isEmpty ? .done : .transient(reason: "some entries were not accepted", retryAfter: nil)
        }
        do {
            try await store.markDelivered(delivered)
        } catch {
            // Not recorded: the items stay in flight, return to the queue at the next open and are re-sent;
            // the receiver finds them already there.
            logger.error("delivered items could not be marked delivered", metadata: ["error": "\(error)"])
            return .transient(reason: "cannot record delivery: \(error)", retryAfter: nil)
        }
        resolved.formUnion(delivered)
        report.delivered += delivered.count
        if !retry.isEmpty { return .transient(reason: "some entries were not accepted", retryAfter: nil) }
        return .done
    }

    func park(_ item: OutboxItem, response: HTTPResponse, report: inout ForwardReport) async {
        let outcome = try? JSON.parse(response.body, maximumValues: JSON.maximumResponseValues)
        var reason = "HTTP \(response.status)"
        if let summary = OperationOutcomeText.summary(outcome) { reason += ": " + summary }
        if let outcome, outcome["resourceType"]?.stringValue == "OperationOutcome" {
            reason += "\nOperationOutcome: " + outcome.text
        }
        await park(item, reason: reason, report: &report)
    }

    func park(_ item: OutboxItem, reason: String, report: inout ForwardReport) async {
        do {
            try await store.park(item.id, reason: reason, context: configuration.parkContext)
            resolved.insert(item.id)
            report.parked += 1
            logger.error("the FHIR receiver rejected an item; parked it", metadata: [
                "item": "\(item.id)", "kind": "\(item.kind)", "attempts": "\(item.attempts)",
                "urgent": "\(item.priority == .urgent)",
            ])
        } catch {
            logger.error("cannot park a rejected item", metadata: ["item": "\(item.id)", "error": "\(error)"])
        }
    }

    /// Waits `timeout`, or less when `wake()` or `forwardNow()` is called.
    func waitForWork(_ timeout: Duration) async {
        await sleeper.waitForSignal(wakeSignal, timeout)
    }
}
