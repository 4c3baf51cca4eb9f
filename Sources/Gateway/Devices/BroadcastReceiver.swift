public import DeviceProfiles
public import Foundation
public import HealthProfiles
public import Logging
public import ReadingStore
import Synchronization

/// Takes one provisioned broadcast-only device's readings from its advertisements, strictly in arrival order,
/// and hands each weighing once to the durable pipeline (the same one GATT readings take).
///
/// A scale broadcasts interim values while the patient settles, then the stabilised value, repeated for seconds
/// and again on its next advertising cycle. Only stabilised values are readings, and the same weighing repeated is
/// one reading: a model that stamps its weighings is told by the stamp, which is part of the reading's identity
/// (`ReadingIdentity`), so a repeat after a restart is a duplicate in the store; a model without a stamp by value
/// within the profile's settle window of its last broadcast, looked up in the store after a restart.
public final class BroadcastReceiver: Sendable {
    private let codec: any BroadcastCodec.Type
    private let settle: TimeInterval
    private let current: Mutex<ProvisionedDevice>
    private let sink: any ReadingSink
    private let store: ReadingStore
    private let timeZone: TimeZone
    private let logger: Logger
    private let input: AsyncStream<(AdvertisedData, Date)>.Continuation
    private let advertisements: AsyncStream<(AdvertisedData, Date)>

    private struct LastWeighing {
        var reading: Reading
        /// When the weighing was last broadcast, on the monotonic clock.
        var lastSeen: ContinuousClock.Instant
    }

    private struct State {
        var counters = DeviceFrameProcessor.Counters()
        var malformed = FailureEpisode()
        var limiter: ReadingRateLimiter
        var last: LastWeighing?
    }
    private let state: Mutex<State>

    public init(device: ProvisionedDevice, reception: BroadcastReception, rateLimit: RateLimit, sink: any ReadingSink,
                store: ReadingStore, timeZone: TimeZone, logger: Logger) throws(VisitError) {
        guard let codec = BroadcastCodecs.codec(named: reception.codec) else {
            throw VisitError("broadcast", "unknown broadcast codec \(reception.codec)")
        }
        self.codec = codec
        settle = TimeInterval(reception.settleSeconds)
        current = Mutex(device)
        self.sink = sink
        self.store = store
        self.timeZone = timeZone
        self.logger = logger
        (advertisements, input) = AsyncStream.makeStream(of: (AdvertisedData, Date).self, bufferingPolicy: .unbounded)
        state = Mutex(State(limiter: ReadingRateLimiter(limit: rateLimit)))
    }

    public var device: ProvisionedDevice { current.withLock { $0 } }
    public func update(_ device: ProvisionedDevice) { current.withLock { $0 = device } }
    public var counters: DeviceFrameProcessor.Counters { state.withLock { $0.counters } }

    /// Queues what one advertisement report of the device carried.
    public func submit(_ data: AdvertisedData, receivedAt: Date = Date()) {
        guard !data.isEmpty else { return }
        state.withLock { $0.counters.lastFrameAt = receivedAt }
        input.yield((data, receivedAt))
    }

    /// Runs until `stop()`: the device's advertisement loop.
    public func run() async {
        for await (data, receivedAt) in advertisements { await receive(data, at: receivedAt) }
    }

    /// Ends the loop once it has processed what was submitted.
    public func stop() { input.finish() }

    private func receive(_ data: AdvertisedData, at receivedAt: Date) async {
        let weighings: [BroadcastWeighing]
        do { weighings = try codec.weighings(in: data) } catch {
            let first = state.withLock { state in
                state.counters.malformed += 1
                state.counters.lastMalformed = error.description
                return state.malformed.record()
            }
            if first { logger.warning("malformed advertisement ignored: \(error)", metadata: ["device": "\(device.address)"]) }
            return
        }
        guard !weighings.isEmpty else { return }
        if let count = state.withLock({ $0.malformed.end() }), count > 1 {
            logger.warning("\(count) malformed advertisements in a row ignored", metadata: ["device": "\(device.address)"])
        }
        for weighing in weighings { await take(weighing, receivedAt: receivedAt) }
    }

    private func take(_ weighing: BroadcastWeighing, receivedAt: Date) async {
        if let why = weighing.whyNotFinal {
            logger.trace("advertisement not stored: \(why)", metadata: ["device": "\(device.address)"])
            return
        }
        let reading = weighing.reading(source: codec.readingSource)
        let now = ContinuousClock.now
        if repeatsLastWeighing(reading, at: now) { return }
        if !codec.stampsWeighings, await storedWithinSettleWindow(reading, before: receivedAt) {
            remember(reading, at: now, duplicate: true)
            return
        }
        if case let .dropped(startsFlood) = state.withLock({ $0.limiter.admit(at: now) }) {
            state.withLock { $0.counters.droppedByRateLimit += 1 }
            if startsFlood {
                logger.warning("device broadcasts more weighings than its rate limit allows; those over it are not stored",
                               metadata: ["device": "\(device.address)"])
            }
            return
        }
        let device = device
        do {
            let acceptance = try await sink.accept(
                FramedReading(reading, rawFrame: weighing.rawFrame), from: device, receivedAt: receivedAt,
                clockOffset: clockOffset(of: weighing, receivedAt: receivedAt))
            remember(reading, at: now, duplicate: acceptance == .duplicate)
            if acceptance == .duplicate { state.withLock { $0.limiter.refund() } }
            if case let .refused(reason) = acceptance {
                logger.info("reading not accepted: \(reason)", metadata: ["device": "\(device.address)"])
            }
        } catch {
            state.withLock { $0.counters.failed += 1 }
            logger.error("reading could not be stored: \(error)", metadata: ["device": "\(device.address)"])
        }
    }

    /// The same weighing as the last one taken: its stamp and value for a stamping model (whenever it comes again),
    /// its value within the settle window of its last broadcast otherwise. Counted as a duplicate; nothing is stored.
    private func repeatsLastWeighing(_ reading: Reading, at now: ContinuousClock.Instant) -> Bool {
        let settle = settle, stamps = codec.stampsWeighings
        return state.withLock { state in
            guard let last = state.last, last.reading == reading,
                  stamps || now - last.lastSeen <= .seconds(settle) else { return false }
            state.last?.lastSeen = now
            state.counters.duplicates += 1
            return true
        }
    }

    private func remember(_ reading: Reading, at now: ContinuousClock.Instant, duplicate: Bool) {
        state.withLock { state in
            state.last = LastWeighing(reading: reading, lastSeen: now)
            if duplicate { state.counters.duplicates += 1 } else { state.counters.stored += 1 }
        }
    }

    /// After a restart (or a settle window that ran out in memory only): a weighing without a stamp that the store
    /// already holds from within the settle window is the same one, still being repeated.
    private func storedWithinSettleWindow(_ reading: Reading, before receivedAt: Date) async -> Bool {
        guard let sensor = try? SensorKey(device.sensorKey) else { return false }
        let window = DateInterval(start: receivedAt.addingTimeInterval(-settle), end: receivedAt.addingTimeInterval(1))
        let stored = (try? await store.readings(measuredIn: window, kind: reading.kind, sensor: sensor)) ?? []
        return stored.contains { $0.reading.characteristic == reading.characteristic && $0.reading.components == reading.components }
    }

    /// A broadcast weighing is happening now: its stamp is the scale's clock at receipt (offset device − hub),
    /// so the reading is dated when it was received even when the patient never set the scale's clock.
    private func clockOffset(of weighing: BroadcastWeighing, receivedAt: Date) -> TimeInterval? {
        guard let stamp = weighing.timestamp, stamp.isComplete,
              let instant = MeasurementTime.instant(of: stamp, in: timeZone) else { return nil }
        return instant.timeIntervalSince(receivedAt)
    }
}
