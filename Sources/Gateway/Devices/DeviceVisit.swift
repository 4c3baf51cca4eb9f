public import BlueZ
import CancellableTimers
import DBus
public import DeviceProfiles
public import Foundation
import HealthProfiles
public import Logging
public import ReadingStore

/// One visit to a provisioned device: connect, wait for its characteristics, read Device Information and
/// features (first visit), measure and set its clock, subscribe, fetch glucose records newer than the last
/// stored one, collect what it sends, disconnect.
///
/// Frames are not handled here: they flow from BlueZ to the device's `DeviceFrameProcessor` whether or not
/// a visit is running (a cuff indicates the moment the link is up). The visit only makes the device talk,
/// and waits until it has finished.
public struct DeviceVisit: Sendable {
    public let client: BlueZClient
    public let bluetoothDevice: BlueZ.Device
    public let device: ProvisionedDevice
    public let profile: DeviceProfile
    public let processor: DeviceFrameProcessor
    public let store: ReadingStore
    public let settings: VisitSettings
    public let logger: Logger
    /// After a complete record transfer, delete the records up to the cursor from the meter (`clearMemory`).
    public var clearsMemory = false

    public init(client: BlueZClient, bluetoothDevice: BlueZ.Device, device: ProvisionedDevice, profile: DeviceProfile,
                processor: DeviceFrameProcessor, store: ReadingStore, settings: VisitSettings, logger: Logger) {
        self.client = client
        self.bluetoothDevice = bluetoothDevice
        self.device = device
        self.profile = profile
        self.processor = processor
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    public struct Report: Sendable, Equatable {
        public var clockOffset: TimeInterval?
        public var clockSet: Bool
        public var recordsRequested: Bool
        public var endedBy: String
    }

    public func run() async throws(VisitError) -> Report {
        let deadline = ContinuousClock.now + settings.visitTimeout
        do {
            try await bluetoothDevice.connect(retrying: settings.connectPolicy, timeout: .seconds(30))
        } catch {
            throw VisitError("connect", error.description, bondLost: error.isBondLoss)
        }
        let outcome: Result<Report, VisitError>
        do throws(VisitError) { outcome = .success(try await collect(deadline: deadline)) } catch { outcome = .failure(error) }
        await hangUp()
        return try outcome.get()
    }

    /// Every visit ends here, however it ended: a device left connected does not advertise, so it would never
    /// be visited again (BlueZ does not drop an idle LE link by itself), and a meter keeps an interrupted
    /// transfer running. Disconnect() is cheap when the device already hung up, and the gateway cannot trust
    /// its view of the link for that (bluetoothd does not always announce Connected). It runs in its own task
    /// so that a cancelled visit (device forgotten, daemon stopping) still releases the link; it is bounded so
    /// that a bluetoothd that stopped answering cannot hold the visit.
    private func hangUp() async {
        enum Release: Sendable { case released, problem(String) }
        let bluetoothDevice = bluetoothDevice
        let outcome = OneShot<Release>()
        Task {
            do throws(BlueZError) {
                try await bluetoothDevice.disconnect()
                outcome.deliver(await bluetoothDevice.properties()?.connected == true
                    ? .problem("bluetoothd still reports it connected") : .released)
            } catch {
                outcome.deliver(.problem(error.description))
            }
        }
        // Waiting on the OneShot, not on the task: a wait that ends at the limit must not wait for the call.
        // The wait runs in a task of its own, which the visit's cancellation (at shutdown) does not reach:
        // cancelled, it ended at once and logged "no answer" for a Disconnect() that was answered.
        let answer = await Task { await firstOf({ await outcome.value() }, within: .seconds(10), else: nil) }.value
        switch answer {
        case .released?:
            return
        case let .problem(problem)?:
            logger.warning("link not released: \(problem)", metadata: ["device": "\(device.address)"])
        case nil:
            logger.warning("link not released: no answer to Disconnect() within 10 s", metadata: ["device": "\(device.address)"])
        }
    }

    /// Everything after the link is up; the caller hangs up afterwards.
    private func collect(deadline: ContinuousClock.Instant) async throws(VisitError) -> Report {
        do {
            try await bluetoothDevice.waitForServicesResolved(timeout: .seconds(30))
        } catch {
            throw VisitError("service discovery", error.description)
        }
        let sensorKey = try sensorKey()
        var update = SensorUpdate(key: sensorKey, address: device.address, profile: profile.id, seenAt: Date())

        let characteristics = try await resolveCharacteristics()
        let known = (try? await store.sensor(sensorKey)) ?? nil
        // Device Information on every visit (a few short reads): a firmware update or a new serial reaches the
        // centre's device inventory. Features only once.
        await readDeviceInformation(into: &update)
        if known?.model == nil && known?.serial == nil { await readFeatures(characteristics) }
        if let battery = await bluetoothDevice.battery.percentage() { update.batteryLevel = Int(battery) }

        let clockOffset = await measureClock()
        update.clockOffset = clockOffset
        processor.setClockOffset(clockOffset)
        do { try await store.upsertSensor(update) } catch {
            logger.warning("sensor details not saved: \(error)", metadata: ["device": "\(device.address)"])
        }

        // The clock step is the model's (profile `time_sync.when`): some devices take the time only before
        // they are subscribed, others after.
        let clockFirst = profile.timeSync?.when == .beforeSubscribing
        let clockSetFirst = clockFirst ? await setClock(offset: clockOffset) : false
        try await subscribe(characteristics)
        try await giveConsent()
        let subscribedAt = ContinuousClock.now
        let clockSet = clockFirst ? clockSetFirst : await setClock(offset: clockOffset)

        var requested = false
        var endedBy: String
        if profile.racp, let controlPoint = characteristics[.recordAccessControlPoint] {
            requested = true
            endedBy = try await fetchRecords(controlPoint)
            await processor.flush()
            if clearsMemory { endedBy = try await clearMemory(controlPoint) }
        } else {
            endedBy = await waitUntilDone(deadline: deadline, listeningSince: subscribedAt)
            await processor.flush()
        }
        if ContinuousClock.now > deadline { endedBy += " (visit time limit)" }
        return Report(clockOffset: clockOffset, clockSet: clockSet, recordsRequested: requested, endedBy: endedBy)
    }

    private func sensorKey() throws(VisitError) -> SensorKey {
        do { return try SensorKey(device.sensorKey) } catch { throw VisitError("sensor key", error.description) }
    }

    /// Every characteristic of the profile that the device has. BlueZ may report ServicesResolved before it
    /// exports the GATT objects, and the real bluetoothd exports them one InterfacesAdded at a time (a meter's
    /// RACP was looked up before it had arrived, issue 18), so this first waits until every required
    /// measurement and control-point characteristic exists — or, when the device lacks one, until the
    /// characteristic timeout, having seen at least one of the profile's — then looks each one up. A missing
    /// required measurement characteristic fails the visit: the device is not what it was paired as. A
    /// missing feature characteristic (mandatory, yet absent on some consumer devices) does not stop the
    /// readings.
    private func resolveCharacteristics() async throws(VisitError) -> [GATTCharacteristic: GattCharacteristicProxy] {
        let wanted = Set(profile.characteristics.map { $0.characteristic.uuid })
        let essential = Set(profile.characteristics.filter { $0.required && $0.mode != .read }.map { $0.characteristic.uuid })
        let devicePath = bluetoothDevice.path
        let exported: @Sendable (MirrorView) -> Set<BluetoothUUID> = { view in
            Set(view.characteristics(under: devicePath).compactMap(\.properties.uuid)).intersection(wanted)
        }
        do {
            _ = try await client.mirror.waitFor("\(profile.name) characteristics", timeout: settings.characteristicTimeout) { view in
                essential.isSubset(of: exported(view)) && !exported(view).isEmpty ? true : nil
            }
        } catch .timedOut(_) {
            guard !exported(await client.mirror.view).isEmpty else {
                throw VisitError("characteristics", "none of the \(profile.name) characteristics appeared within \(settings.characteristicTimeout)")
            }
        } catch {
            throw VisitError("characteristics", "none of the \(profile.name) characteristics appeared: \(error)")
        }
        var found: [GATTCharacteristic: GattCharacteristicProxy] = [:]
        for use in profile.characteristics {
            do {
                found[use.characteristic] = try await bluetoothDevice.characteristic(
                    use.characteristic.uuid, service: profile.service.uuid, timeout: .milliseconds(1))
            } catch {
                if use.required, use.mode != .read {
                    throw VisitError("characteristics", "\(use.characteristic.displayName) not found: \(error)")
                }
                if use.required {
                    logger.notice("device lacks \(use.characteristic.displayName)", metadata: ["device": "\(device.address)"])
                }
            }
        }
        guard profile.subscriptions.contains(where: { found[$0.characteristic] != nil }) else {
            throw VisitError("characteristics", "the device exposes none of the \(profile.name) measurement characteristics")
        }
        return found
    }

    private func readDeviceInformation(into update: inout SensorUpdate) async {
        for characteristic in profile.deviceInformation {
            guard let gatt = try? await bluetoothDevice.characteristic(characteristic.uuid, timeout: .milliseconds(1)),
                  let bytes = await read(gatt, characteristic),
                  let decoded = try? CharacteristicDecoder.decode(characteristic, bytes)
            else { continue }
            switch decoded.value {
            case let value as ManufacturerNameString: update.manufacturer = value.text
            case let value as ModelNumberString: update.model = value.text
            case let value as SerialNumberString: update.serial = value.text
            case let value as FirmwareRevisionString: update.firmware = value.text
            case let value as HardwareRevisionString: update.hardware = value.text
            case let value as SoftwareRevisionString: update.software = value.text
            case let id as SystemID: update.systemID = id.description
            default: break
            }
        }
    }

    /// Features are read once and logged: they tell the technician what the device can report.
    private func readFeatures(_ characteristics: [GATTCharacteristic: GattCharacteristicProxy]) async {
        for use in profile.characteristics where use.mode == .read {
            guard let gatt = characteristics[use.characteristic], let bytes = await read(gatt, use.characteristic) else { continue }
            do {
                let decoded = try CharacteristicDecoder.decode(use.characteristic, bytes)
                if let site = decoded.value as? TemperatureType { processor.setDefaultTemperatureSite(site) }
                logger.debug("\(use.characteristic.displayName): \(decoded)", metadata: ["device": "\(device.address)"])
            } catch {
                logger.warning("unreadable \(use.characteristic.displayName): \(error)", metadata: ["device": "\(device.address)"])
            }
        }
    }

    /// The characteristic's value; nil (and a log line naming the reason) when the read fails, which costs the
    /// visit only that detail.
    private func read(_ gatt: GattCharacteristicProxy, _ characteristic: GATTCharacteristic) async -> [UInt8]? {
        do { return try await gatt.readValue() } catch {
            logger.notice("\(characteristic.displayName) unreadable: \(error)", metadata: ["device": "\(device.address)"])
            return nil
        }
    }

    /// Device clock minus gateway clock, from the device's clock characteristic (Current Time or Date Time),
    /// when it exposes one that can be read.
    private func measureClock() async -> TimeInterval? {
        guard let timeSync = profile.timeSync,
              let gatt = try? await bluetoothDevice.characteristic(timeSync.characteristic.uuid, timeout: .milliseconds(1)),
              await gatt.properties()?.flags.contains(.read) != false,
              let bytes = await read(gatt, timeSync.characteristic)
        else { return nil }
        let now = Date()
        guard let clock = ClockValue.decode(bytes, from: timeSync.characteristic),
              let deviceNow = MeasurementTime.instant(of: clock, in: settings.timeZone)
        else {
            logger.notice("device clock unreadable or not set", metadata: ["device": "\(device.address)"])
            return nil
        }
        return deviceNow.timeIntervalSince(now)
    }

    /// Subscribes to every notify/indicate characteristic, on every connection.
    ///
    /// bluetoothd keeps the gateway's notify session, and reports `Notifying: true`, across disconnects, but
    /// many devices forget their subscriptions (CCCDs) when the link drops, and StartNotify on a standing
    /// session is answered at once without writing the CCCD again: such a device stays silent on every visit
    /// after the first. So a standing session is ended first (StopNotify, which clears it) and started again,
    /// which makes bluetoothd write the CCCD on this link.
    private func subscribe(_ characteristics: [GATTCharacteristic: GattCharacteristicProxy]) async throws(VisitError) {
        for use in profile.subscriptions {
            guard let gatt = characteristics[use.characteristic] else { continue }
            if await gatt.properties()?.notifying == true {
                do { try await gatt.stopNotify() } catch {
                    logger.debug("StopNotify before subscribing again: \(error)", metadata: ["device": "\(device.address)"])
                }
            }
            do {
                try await gatt.startNotify()
            } catch .bluez(.inProgress, _) {
                continue
            } catch {
                if error.isBondLoss {
                    throw VisitError("subscribe", "\(use.characteristic.displayName): \(error)", bondLost: true)
                }
                if use.required { throw VisitError("subscribe", "\(use.characteristic.displayName): \(error)") }
                logger.notice("cannot subscribe to \(use.characteristic.displayName): \(error)")
            }
        }
    }

    /// Sets the device's clock to the home's wall-clock time: after subscribing, when it is off by more than
    /// the tolerance (or unreadable); before subscribing, on every visit (such a device takes the time only
    /// then). Stored readings sent on this visit were stamped by the old clock and are corrected by the offset
    /// measured before.
    private func setClock(offset: TimeInterval?) async -> Bool {
        // A clock that cannot be set (`write: false`) is only read: its offset corrects the stamps.
        guard let timeSync = profile.timeSync, timeSync.write else { return false }
        if timeSync.format == .ascensiaClock { return await setAscensiaClock() }
        if timeSync.when == .afterSubscribing, let offset, abs(offset) <= settings.clockTolerance { return false }
        guard let gatt = try? await bluetoothDevice.characteristic(timeSync.characteristic.uuid, timeout: .milliseconds(1)),
              await gatt.properties()?.flags.isDisjoint(with: .writable) == false,
              let wall = MeasurementTime.wallClock(of: Date(), in: settings.timeZone),
              let value = ClockValue.encode(wall, for: timeSync.characteristic)
        else { return false }
        do {
            try await gatt.writeValue(value, type: .request)
            logger.info("device clock set", metadata: ["device": "\(device.address)", "offset": "\(offset.map { "\(Int($0))s" } ?? "unknown")"])
            return true
        } catch {
            logger.notice("device clock not set: \(error)", metadata: ["device": "\(device.address)"])
            return false
        }
    }

    /// Asks a glucometer for the records after the last one stored (RACP "greater than or equal to
    /// cursor + 1"; all records on the first visit) and waits for its completion response.
    ///
    /// A meter whose previous transfer was interrupted on the gateway's side (the daemon crashed or was
    /// restarted mid-transfer; the link stayed up) still has that procedure running and refuses a new one
    /// with ATT error 0x80 "Procedure Already In Progress". The gateway then aborts it (RACP Abort
    /// Operation) and asks again, instead of failing every visit until the meter drops the link.
    private func fetchRecords(_ controlPoint: GattCharacteristicProxy) async throws(VisitError) -> String {
        // nil: all records (the first visit); 0 after a restarted numbering (`recordCursor`).
        let cursor = try await recordCursor(controlPoint)
        // After 0xFFFF the numbering wraps to 0 (`RecordSequence`): "≥ 0" then, not "all" as a new series.
        let request: RACPRequest = cursor.map { .reportRecords(fromSequenceNumber: RecordSequence.next(after: $0)) } ?? .reportAll
        let response = try await recordAccess(controlPoint, request)
        switch response {
        case .responseCode(_, .success)?: return "all records received"
        case .responseCode(_, .noRecordsFound)?: return "no new records"
        case let .responseCode(_, code)?: throw VisitError("record transfer", "device answered \(code)")
        case let .numberOfStoredRecords(count)?: throw VisitError("record transfer", "unexpected count answer (\(count))")
        case nil: throw VisitError("record transfer", "no answer within \(settings.controlPointTimeout)")
        }
    }

    /// One RACP request and its answer (nil: none in time); a transfer of an earlier visit still running on the
    /// meter is aborted first (see `fetchRecords`).
    func recordAccess(_ controlPoint: GattCharacteristicProxy, _ request: RACPRequest) async throws(VisitError) -> RACPResponse? {
        do {
            return try await controlPointExchange(controlPoint, request)
        } catch let error where Self.isProcedureAlreadyInProgress(error) {
            logger.notice("an interrupted record transfer is still running on the meter; aborting it",
                          metadata: ["device": "\(device.address)"])
            do { _ = try await controlPointExchange(controlPoint, .abortOperation) } catch {
                throw VisitError("record request", "aborting the meter's earlier transfer failed: \(error)")
            }
            do { return try await controlPointExchange(controlPoint, request) } catch {
                throw VisitError("record request", error.description)
            }
        } catch {
            throw VisitError("record request", error.description)
        }
    }

    /// Writes one RACP request and waits for the meter's response indication (nil: none in time).
    private func controlPointExchange(_ controlPoint: GattCharacteristicProxy, _ request: RACPRequest)
        async throws(BlueZError) -> RACPResponse? {
        let answer = processor.armControlPointAnswer()
        do {
            try await controlPoint.writeValue(request.encoded(), type: .request)
        } catch {
            answer.deliver(nil)
            throw error
        }
        let response = await firstOf({ await answer.value() }, within: settings.controlPointTimeout, else: nil)
        answer.deliver(nil)
        return response
    }

    /// ATT error 0x80 on a RACP write: the Glucose Profile's "Procedure Already In Progress".
    static func isProcedureAlreadyInProgress(_ error: BlueZError) -> Bool {
        error.attErrorCode == 0x80
    }

    /// Waits until the device hangs up, falls quiet, or the collection window closes.
    ///
    /// One timer at a time (the quiet period's or the window's end, whichever comes first) and a wait for the
    /// hang-up without one: each timer and task of this wait is armed at the visit's start and cancelled at its
    /// end, when the daemon otherwise falls idle (issue 16: the wake-ups at a visit's end).
    private func waitUntilDone(deadline: ContinuousClock.Instant, listeningSince: ContinuousClock.Instant) async -> String {
        let windowEnd = min(deadline, ContinuousClock.now + settings.collectionWindow)
        let bluetoothDevice = bluetoothDevice
        let processor = processor
        let quiet = settings.quietPeriod
        return await withTaskGroup(of: String.self) { group in
            group.addTask {
                do {
                    try await bluetoothDevice.waitUntilDisconnected(timeout: nil)
                    return "device disconnected"
                } catch {
                    return "link lost"
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    let now = ContinuousClock.now
                    if now >= windowEnd { return "collection window closed" }
                    let last = max(processor.lastFrameInstant ?? listeningSince, listeningSince)
                    let quietAt = last + quiet
                    if quietAt <= now { return "device quiet" }
                    try? await CancellableSleep.sleep(until: min(quietAt, windowEnd))
                }
                return "cancelled"
            }
            let first = await group.next() ?? "cancelled"
            group.cancelAll()
            return first
        }
    }
}
