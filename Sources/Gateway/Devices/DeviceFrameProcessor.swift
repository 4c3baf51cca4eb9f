public import DeviceProfiles
public import Foundation
public import HealthProfiles
public import Logging
import CancellableTimers
import ReadingStore
import Synchronization

/// Processes one provisioned device's frames strictly in arrival order and hands complete readings to the
/// durable pipeline. One instance per device lives as long as the device is provisioned, across visits:
/// BlueZ keeps notify sessions across disconnects, and a cuff indicates its stored readings the moment the
/// link is up, possibly before the gateway has noticed that it connected.
public final class DeviceFrameProcessor: Sendable {
    public enum Event: Sendable {
        case frame(GATTCharacteristic, [UInt8], receivedAt: Date)
        /// End of a transfer: release partial records, then resume the waiter registered under this id.
        case flush(UUID)
    }

    public struct Counters: Sendable, Equatable {
        public var stored = 0
        public var duplicates = 0
        public var refused = 0
        public var malformed = 0
        public var failed = 0
        /// Frames with a measurement over the profile's rate limit: not stored.
        public var droppedByRateLimit = 0
        /// Frames bluetoothd reported twice (same bytes, same characteristic, within a second): taken once.
        public var repeatedDeliveries = 0
        /// Readings of the patient's user slot taken (stored or already stored): what `OmronRecordWatch` accounts.
        public var receivedFromPatientSlot = 0
        public var lastMalformed: String?
        public var lastFrameAt: Date?
    }

    /// The device as provisioned now: pairing it again (another user index, memory owner) or a visit (the numbering
    /// of its records) changes it while the processor lives on.
    public var device: ProvisionedDevice { current.withLock { $0 } }
    private let current: Mutex<ProvisionedDevice>
    private let sink: any ReadingSink
    private let registry: DeviceRegistry?
    private let logger: Logger
    private let input: AsyncStream<Event>.Continuation
    private let events: AsyncStream<Event>
    private struct State {
        var interpreter: FrameInterpreter
        var clockOffset: TimeInterval?
        var counters = Counters()
        var controlPointAnswer: OneShot<RACPResponse>?
        /// The lowest sequence number of the current transfer that could not be stored (disk full, database
        /// error): the RACP cursor must stay below it, so that the meter sends it again on the next visit
        /// even if later records of the same transfer were stored.
        var unstoredSequence: Int?
        /// When the last frame arrived, on the monotonic clock (a visit's quiet period must not stretch or
        /// shrink when the wall clock is set).
        var lastFrameInstant: ContinuousClock.Instant?
        /// Callers of `flush()` not yet resumed. Every one is resumed exactly once: by the frame loop when it
        /// reaches their event, or by `stop()`/the end of the loop when it never will (issue 11, finding 15:
        /// a flush queued after `stop()` was dropped with its continuation, and the visit waited for ever).
        var pendingFlushes: [UUID: CheckedContinuation<Void, Never>] = [:]
        var stopped = false
        var repeats = RepeatedDeliveryFilter()
        var limiter: ReadingRateLimiter
        /// Ends the current flood once the device has been calm for its profile's calm period.
        var calmWatch: Task<Void, Never>?
        var storeFailures = FailureEpisode()
        var malformedFrames = FailureEpisode()
        /// While a visit checks a glucometer's numbering: the Glucose Measurement frames it sent, looked at, not stored.
        var recordProbe: [[UInt8]]?

        /// Takes a glucose frame during a numbering check; false when it is to be processed as usual.
        mutating func probed(_ characteristic: GATTCharacteristic, _ bytes: [UInt8]) -> Bool {
            guard recordProbe != nil else { return false }
            switch characteristic {
            case .glucoseMeasurement: recordProbe?.append(bytes)
            case .glucoseMeasurementContext: break
            default: return false
            }
            return true
        }
    }
    private let state: Mutex<State>

    public init(device: ProvisionedDevice, sink: any ReadingSink, registry: DeviceRegistry?, logger: Logger,
                interpreter: FrameInterpreter = FrameInterpreter(), rateLimit: RateLimit = .spotCheck) {
        current = Mutex(device)
        self.sink = sink
        self.registry = registry
        self.logger = logger
        (events, input) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        state = Mutex(State(interpreter: interpreter, limiter: ReadingRateLimiter(limit: rateLimit)))
    }

    /// Queues a frame; frames are processed in the order they were submitted. A repeated delivery of the
    /// same frame (`RepeatedDeliveryFilter`) is counted and dropped here.
    public func submit(_ characteristic: GATTCharacteristic, _ bytes: [UInt8], receivedAt: Date = Date()) {
        let now = ContinuousClock.now
        let repeated = state.withLock { state -> Bool in
            state.counters.lastFrameAt = receivedAt
            state.lastFrameInstant = now
            guard state.repeats.isRepeat(characteristic, bytes, at: now) else { return false }
            state.counters.repeatedDeliveries += 1
            return true
        }
        if repeated {
            logger.debug("the same frame delivered again within \(RepeatedDeliveryFilter.window); taken once", metadata: [
                "device": "\(device.address)", "characteristic": "\(characteristic.displayName)",
            ])
            return
        }
        input.yield(.frame(characteristic, bytes, receivedAt: receivedAt))
    }

    /// Waits until every frame submitted before this call is processed, and releases partial records.
    /// Frames submitted afterwards belong to the next transfer: none of them repeats one of this transfer.
    /// Returns at once when the processor has stopped.
    public func flush() async {
        state.withLock { $0.repeats = RepeatedDeliveryFilter() }
        let id = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let accepted = state.withLock { state in
                guard !state.stopped else { return false }
                state.pendingFlushes[id] = continuation
                return true
            }
            guard accepted else { return continuation.resume() }
            if case .terminated = input.yield(.flush(id)) { resumeFlush(id) }
        }
    }

    private func resumeFlush(_ id: UUID) {
        state.withLock { $0.pendingFlushes.removeValue(forKey: id) }?.resume()
    }

    private func resumeAllFlushes() {
        let waiting = state.withLock { state in
            state.stopped = true
            defer { state.pendingFlushes = [:] }
            return Array(state.pendingFlushes.values)
        }
        for continuation in waiting { continuation.resume() }
    }

    /// The device's provisioning changed (see `device`); readings processed from now on follow the new one.
    public func update(_ device: ProvisionedDevice) { current.withLock { $0 = device } }

    /// The device clock offset measured on the current visit (device minus gateway, seconds).
    public func setClockOffset(_ offset: TimeInterval?) { state.withLock { $0.clockOffset = offset } }

    public func setDefaultTemperatureSite(_ site: TemperatureType?) {
        state.withLock { $0.interpreter.defaultTemperatureSite = site }
    }

    public var counters: Counters { state.withLock { $0.counters } }

    /// The device sends more measurements than its profile's rate limit allows (until calm again).
    public var isFlooding: Bool { state.withLock { $0.limiter.isFlooding } }

    /// When the last frame was submitted, on the monotonic clock.
    public var lastFrameInstant: ContinuousClock.Instant? { state.withLock { $0.lastFrameInstant } }

    /// Arms the wait for the next Record Access Control Point response. Arm before writing the request so
    /// that a fast answer is not missed; an earlier armed wait is abandoned.
    public func armControlPointAnswer() -> OneShot<RACPResponse> {
        let answer = OneShot<RACPResponse>()
        // A new request starts a new transfer: its records and answer may repeat the last one's bytes (a meter asked
        // again from the same cursor, the same success code) without being repeated deliveries.
        let previous = state.withLock { state in
            defer {
                state.controlPointAnswer = answer
                state.repeats = RepeatedDeliveryFilter()
            }
            return state.controlPointAnswer
        }
        previous?.deliver(nil)
        return answer
    }

    /// From now until `endRecordProbe()`, the glucose records the meter sends are only collected (a visit asking
    /// for one record to check the meter's numbering): they are not stored, nor do they move the cursor. Call
    /// before the request; end it once its answer has come (the answer follows the records, in order).
    public func beginRecordProbe() { state.withLock { $0.recordProbe = [] } }

    /// The Glucose Measurement frames sent since `beginRecordProbe()`; records are stored again from now on.
    public func endRecordProbe() -> [[UInt8]] {
        state.withLock { state in
            defer { state.recordProbe = nil }
            return state.recordProbe ?? []
        }
    }

    /// Runs until `stop()`: the device's frame loop.
    public func run() async {
        for await event in events {
            switch event {
            case let .frame(characteristic, bytes, receivedAt):
                if state.withLock({ $0.probed(characteristic, bytes) }) { continue }
                let interpreted = state.withLock { $0.interpreter.interpret(characteristic, bytes, receivedAt: receivedAt) }
                await handle(interpreted, characteristic: characteristic, receivedAt: receivedAt)
            case let .flush(id):
                let released = state.withLock { $0.interpreter.finish() }
                for item in released { await handle(item, characteristic: nil, receivedAt: Date()) }
                // The next transfer starts from the cursor, i.e. below anything this one failed to store.
                state.withLock { $0.unstoredSequence = nil }
                resumeFlush(id)
            }
        }
        // Ended by stop() or by cancellation of the task running the loop: nobody will reach the flushes
        // still queued.
        resumeAllFlushes()
        state.withLock { state in defer { state.controlPointAnswer = nil }; return state.controlPointAnswer }?.deliver(nil)
    }

    /// Ends the frame loop once it has processed what was submitted; a `flush()` from now on returns at once.
    public func stop() {
        state.withLock {
            $0.stopped = true
            $0.calmWatch?.cancel()
        }
        input.finish()
    }

    private func handle(_ interpreted: InterpretedFrame, characteristic: GATTCharacteristic?, receivedAt: Date) async {
        if case .malformed = interpreted {} else { endMalformedEpisode() }
        switch interpreted {
        case let .readings(readings):
            let now = ContinuousClock.now
            if case let .dropped(startsFlood) = state.withLock({ $0.limiter.admit(at: now) }) {
                drop(readings, startsFlood: startsFlood)
                return
            }
            var storedAny = false
            for framed in readings {
                if await store(framed, receivedAt: receivedAt) == .stored { storedAny = true }
            }
            // Only new readings count against the limit (see ReadingRateLimiter).
            if !storedAny { state.withLock { $0.limiter.refund() } }
        case let .controlPoint(response):
            let answer = state.withLock { state in defer { state.controlPointAnswer = nil }; return state.controlPointAnswer }
            if let answer { answer.deliver(response) } else {
                logger.notice("unsolicited Record Access Control Point response", metadata: ["device": "\(device.address)"])
            }
        case let .nothingToStore(reason):
            logger.trace("frame not stored: \(reason)", metadata: ["device": "\(device.address)"])
        case let .notSettled(reason):
            // No address: the line says why the oximeter gave no value, the technician finds the device by time.
            logger.info("continuous oximetry gave no value: \(reason)")
        case let .malformed(error):
            let first = state.withLock {
                $0.counters.malformed += 1
                $0.counters.lastMalformed = error.description
                return $0.malformedFrames.record()
            }
            if first {
                logger.warning("malformed frame ignored: \(error)", metadata: [
                    "device": "\(device.address)", "characteristic": "\(characteristic.map(\.displayName) ?? "-")",
                ])
            }
        }
    }

    /// A well-formed frame after malformed ones: one line with how many there were (the first was logged).
    private func endMalformedEpisode() {
        guard let count = state.withLock({ $0.malformedFrames.end() }), count > 1 else { return }
        logger.warning("\(count) malformed frames in a row ignored", metadata: ["device": "\(device.address)"])
    }

    /// A frame over the rate limit: not stored, counted; a glucose record keeps the RACP cursor below it so the
    /// meter is asked for it again on a later visit. The first of a flood raises the technical problem.
    private func drop(_ readings: [FramedReading], startsFlood: Bool) {
        state.withLock { state in
            state.counters.droppedByRateLimit += 1
            for sequence in readings.compactMap({ $0.reading.sequenceNumber.map(Int.init) }) {
                state.unstoredSequence = RecordSequence.earlier(state.unstoredSequence, sequence)
            }
            // Told under the lock, like the end of the episode, so that the two can never arrive out of order.
            if startsFlood {
                sink.floodChanged(device, flooding: true, detail: "device \(device.address) sends more readings than it can "
                    + "measure (limit \(state.limiter.limit.summary)): readings over the limit are not stored")
            }
        }
        guard startsFlood else { return }
        let watch = Task { [weak self] in _ = await self?.watchForCalm() }
        state.withLock { $0.calmWatch = watch }
    }

    /// Ends the flood once the device has sent nothing over its limit for the calm period: one line with the count.
    private func watchForCalm() async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let (ended, remaining) = state.withLock { state in
                let ended = state.limiter.endFloodIfCalm(at: now)
                if ended != nil { sink.floodChanged(device, flooding: false, detail: "") }
                return (ended, state.limiter.remainingUntilCalm(at: now))
            }
            if let ended {
                logger.notice("device calm again: \(ended) reading frame(s) over its rate limit were not stored", metadata: [
                    "device": "\(device.address)",
                ])
                return
            }
            guard let remaining else { return }
            try? await CancellableSleep.sleep(for: max(remaining, .milliseconds(10)))
        }
    }

    /// Hands one reading to the sink; nil when it could not be stored.
    @discardableResult
    private func store(_ framed: FramedReading, receivedAt: Date) async -> ReadingAcceptance? {
        let offset = state.withLock { $0.clockOffset }
        let device = device
        do {
            let acceptance = try await sink.accept(framed, from: device, receivedAt: receivedAt, clockOffset: offset)
            let failures = state.withLock { state in
                switch acceptance {
                case .stored: state.counters.stored += 1
                case .duplicate: state.counters.duplicates += 1
                case .refused: state.counters.refused += 1
                }
                if acceptance.tookTheRecord, Self.isFromPatientSlot(framed.reading.userID, patientIndex: device.userIndex) {
                    state.counters.receivedFromPatientSlot += 1
                }
                // Only a reading that took space proves storing works again.
                return acceptance == .stored ? state.storeFailures.end() : nil
            }
            if let failures {
                logger.notice("readings can be stored again; \(failures) could not be stored before", metadata: [
                    "device": "\(device.address)",
                ])
            }
            if case let .refused(reason) = acceptance {
                logger.info("reading not accepted: \(reason)", metadata: ["device": "\(device.address)"])
            }
            // The record is durable (or was already): only now may the RACP cursor move past it, and never past
            // an earlier record of this transfer that could not be stored.
            if let sequence = framed.reading.sequenceNumber.map(Int.init), let registry,
               state.withLock({ $0.unstoredSequence.map { RecordSequence.isAfter($0, sequence) } ?? true }) {
                try await registry.advanceCursor(address: device.address, to: sequence)
            }
            return acceptance
        } catch {
            // A record that can never be stored (invalid for the store) must not pin the cursor for ever.
            let permanent = if case StoreError.invalidArgument? = error as? StoreError { true } else { false }
            let first = state.withLock { state in
                state.counters.failed += 1
                if !permanent, let sequence = framed.reading.sequenceNumber.map(Int.init) {
                    state.unstoredSequence = RecordSequence.earlier(state.unstoredSequence, sequence)
                }
                return state.storeFailures.record()
            }
            // One line per episode (a full store refuses every frame of a transfer); its end says how many.
            if first {
                logger.error("reading could not be stored: \(error)", metadata: [
                    "device": "\(device.address)", "kind": "\(framed.reading.kind.rawValue)",
                ])
            }
            return nil
        }
    }

    /// Whether a reading came from the patient's memory slot on the device: the User ID it carries, or none on a device
    /// provisioned without a user index (single-user: slot 1). Whose reading it is decides the pipeline (`ReadingOwner`).
    static func isFromPatientSlot(_ userID: UInt8?, patientIndex: Int?) -> Bool {
        guard let userID else { return patientIndex == nil }
        return Int(userID) == (patientIndex ?? 1)
    }
}
