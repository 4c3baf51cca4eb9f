public import Foundation
import HealthProfiles
public import Logging
public import ReadingStore
import Synchronization
public import Triage

/// The durable path of every reading: store (held), triage, release to the forwarder.
///
/// The order is the product's promise. The reading is stored held back from the forwarder, and triaged in the
/// same commit inside a savepoint (`ReadingStore.ingest(_:thenInTheSameCommit:)`): its evaluation releases it, so
/// its Observation always carries the traffic-light interpretation. A triage that fails is undone alone: the
/// reading is committed all the same, still held, and triaged again at start-up and by the maintenance loop.
/// A crash before the commit stores neither, and the device, not acknowledged, sends the record again.
public final class GatewayPipeline: ReadingSink {
    private let store: ReadingStore
    private let triage: Triage
    private let timeZone: TimeZone
    private let wakeForwarder: @Sendable () -> Void
    private let technicalAlerts: TechnicalAlerts
    private let plausibility: PlausibilityRanges
    private let logger: Logger
    /// Devices sending over their rate limit: their readings may not use the store's reserve.
    private let flooding = Mutex<Set<String>>([])

    public init(store: ReadingStore, triage: Triage, timeZone: TimeZone, technicalAlerts: TechnicalAlerts,
                plausibility: PlausibilityRanges = PlausibilityRanges(),
                logger: Logger, wakeForwarder: @escaping @Sendable () -> Void) {
        self.store = store
        self.plausibility = plausibility
        self.triage = triage
        self.timeZone = timeZone
        self.technicalAlerts = technicalAlerts
        self.logger = logger
        self.wakeForwarder = wakeForwarder
    }

    public func accept(_ framed: FramedReading, from device: ProvisionedDevice, receivedAt: Date, clockOffset: TimeInterval?)
        async throws -> ReadingAcceptance {
        // An impossible value is a device error: withheld before anything is stored (`PlausibilityRanges`).
        let (reading, implausible) = plausibility.screened(framed.reading)
        // A device whose memory is the patient's own (`dhoctl pair --memory-is-patients`) dates its older
        // readings as it always did; any other device's readings from before provisioning are kept apart.
        let time = MeasurementTime.resolve(
            deviceTime: reading.deviceTime, receivedAt: receivedAt, timeZone: timeZone, clockOffset: clockOffset,
            notBefore: device.memoryIsPatients ? nil : device.provisionedAt)
        if let note = time.note {
            logger.notice("measurement time not from the corrected device clock: \(note)", metadata: ["device": "\(device.address)"])
        }
        // A clock that cannot date its readings is the technician's problem (set it, replace the device): shown
        // until a reading of the device is dated by its corrected clock again.
        if time.clockUnreliable, let note = time.note {
            technicalAlerts.raise(.deviceClockUnreliable, "device \(device.address) dates its readings implausibly: \(note)",
                                  device: device.address)
        } else if time.source == .deviceClockCorrected, time.note == nil {
            technicalAlerts.clear(.deviceClockUnreliable, device: device.address)
        }
        if time.source == .beforeProvisioning {
            return try await keepApart(
                reading, framed, from: device, receivedAt: receivedAt, time: time,
                because: (ReadingQualifier.beforeProvisioning, time.note ?? "measured before the device was provisioned"))
        }
        if let reason = ReadingOwner.notThePatients(userID: reading.userID, patientIndex: device.userIndex,
                                                    registrationPending: device.userRegistrationPending) {
            return try await keepApart(reading, framed, from: device, receivedAt: receivedAt, time: time,
                                       because: (ReadingQualifier.notThePatients, reason))
        }
        if ReadingOwner.inMemoryAtProvisioning(sequenceNumber: reading.sequenceNumber, boundary: device.memoryBoundary,
                                               time: time, provisionedAt: device.provisionedAt) {
            return try await keepApart(reading, framed, from: device, receivedAt: receivedAt, time: time,
                                       because: (ReadingQualifier.notThePatients, "in memory at provisioning"))
        }
        if implausible.isEmpty {
            technicalAlerts.clear(.implausibleValue, device: device.address)
        } else {
            let vitals = implausible.map(\.vital.rawValue).joined(separator: ", ")
            technicalAlerts.raise(.implausibleValue, "device \(device.address) sent a physiologically impossible \(vitals) value: "
                + "device error, value withheld (dhoctl readings)", device: device.address)
        }
        let mayUseReserve = !flooding.withLock { $0.contains(device.address) }
        let request = IngestRequest(
            reading: reading, rawFrame: framed.rawFrame, sensor: try SensorKey(device.sensorKey), receivedAt: receivedAt,
            measuredAt: time.instant, held: true, mayUseReserve: mayUseReserve, recordSeries: device.recordSeries)
        let outcome: IngestOutcome
        let triaged: Result<TriageResult, any Error>
        do {
            // One commit: the reading (held) and, in a savepoint, its triage, which releases it. A failing triage
            // leaves the reading stored and held: the maintenance loop triages it again (and then forwards it).
            let triage = triage
            (outcome, triaged) = try await store.ingest(request) { unit, outcome in
                try triage.evaluate(in: unit, readingID: outcome.readingID.rawValue, measuredAt: time.instant, reading: reading)
            }
            // Only a reading that took space proves there is space (a duplicate writes nothing).
            if case .stored = outcome { technicalAlerts.clear(.storageFull) }
        } catch {
            if error == .diskFull {
                technicalAlerts.raise(.storageFull, "the gateway's storage is full: new readings cannot be saved")
            }
            throw error
        }
        // After the commit, not from inside it: the forwarder's claim (a write) would queue behind the commit, but
        // its decisions while backing off (the outbox status, the next urgent item's time) are reads, which do not
        // see a commit still under way — woken early, it went back to an hour-long back-off without the red
        // reading's probe (UrgentForwardingTests, issue 16). And before the evaluation's log lines and deliveries
        // (the alert Flags and the hook and cue queues are in the commit already): on the daemon's one job thread
        // (`JobThread`) the forwarder's claim would otherwise wait behind them (bench latency, issue 16).
        wakeForwarder()
        switch triaged {
        case let .success(result):
            await triage.evaluated(result, reading: reading)
        case let .failure(error):
            // Still held: nothing for the forwarder until the maintenance loop triages it (and wakes it).
            logger.error("reading stored but not yet triaged: \(error)", metadata: ["device": "\(device.address)"])
        }
        switch outcome {
        case .stored: return .stored
        case .duplicate: return .duplicate
        }
    }

    /// A reading that is not this patient's — a lent device's memory of its previous user, another user of a
    /// family cuff or scale — is stored for the technician (`dhoctl readings`, with `because`'s reason under its
    /// qualifier key), acknowledged to the device, but never triaged nor forwarded as this patient's.
    private func keepApart(_ reading: Reading, _ framed: FramedReading, from device: ProvisionedDevice, receivedAt: Date,
                           time: MeasurementTime, because reason: (qualifier: String, text: String))
        async throws -> ReadingAcceptance {
        var kept = reading
        kept.qualifiers[reason.qualifier] = reason.text
        logger.notice("reading not the patient's (\(reason.qualifier)): kept apart, not triaged nor forwarded",
                      metadata: ["device": "\(device.address)"])
        let outcome = try await store.ingest(
            kept, rawFrame: framed.rawFrame, sensor: try SensorKey(device.sensorKey), receivedAt: receivedAt,
            measuredAt: time.instant, mayUseReserve: false, forward: false, recordSeries: device.recordSeries)
        switch outcome {
        case .stored: return .stored
        case .duplicate: return .duplicate
        }
    }

    /// A flooding device is a technical problem of the hub (one per device), shown until it has been calm.
    public func floodChanged(_ device: ProvisionedDevice, flooding: Bool, detail: String) {
        if flooding {
            _ = self.flooding.withLock { $0.insert(device.address) }
            technicalAlerts.raise(.deviceFlooding, detail, device: device.address)
        } else {
            _ = self.flooding.withLock { $0.remove(device.address) }
            technicalAlerts.clear(.deviceFlooding, device: device.address)
        }
    }

    /// A device that lost its bond is a technical problem (one per device) until it talks to the hub again.
    public func bondChanged(_ device: ProvisionedDevice, lost: Bool, detail: String) {
        if lost {
            technicalAlerts.raise(.deviceBondLost, detail, device: device.address)
        } else {
            technicalAlerts.clear(.deviceBondLost, device: device.address)
        }
    }

    /// Records that went to another phone are a technical problem (one per device) until the hub gets every record again.
    public func recordsTakenElsewhereChanged(_ device: ProvisionedDevice, taken: Bool, detail: String) {
        if taken {
            technicalAlerts.raise(.deviceRecordsTakenElsewhere, detail, device: device.address)
        } else {
            technicalAlerts.clear(.deviceRecordsTakenElsewhere, device: device.address)
        }
    }
}
