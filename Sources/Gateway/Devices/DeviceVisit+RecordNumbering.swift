import BlueZ
import Foundation
import HealthProfiles
import ReadingStore

/// A glucometer whose record numbering restarted (reset, battery change, a replacement under the same address)
/// numbers its new records 1, 2, … again. Asked for the records after the cursor ("≥ 102") it would send none
/// of them, visit after visit, and they would be lost for good. So before asking, a visit checks the numbering:
///
/// - the record at the cursor is asked for alone (RACP "within range cursor…cursor") and compared, byte for
///   byte, with the frame stored under that number: another record there means a new numbering;
/// - when the meter no longer holds it, its last record is asked for: a last record below the cursor means a
///   new numbering (a meter that merely deleted or overwrote old records goes on numbering above it);
/// - a serial number (Device Information 0x2A25) other than the one read at the last visit is another meter: a new
///   numbering whatever its records look like; a Glucose Feature (0x2A51) that changed is a meter reset unless
///   it still holds the stored record at the cursor byte for byte (a firmware update that kept the memory:
///   fetching it again as a new series would send every record twice), or when the meter cannot be asked.
///
/// Both answers are only looked at, never stored (`DeviceFrameProcessor.beginRecordProbe`). A new numbering is
/// a new record series (`DeviceRegistry.restartRecordNumbering`): the cursor goes back to 0 and every record the
/// meter holds is fetched, each with the series in its identity, so none is lost, none is a duplicate of the
/// records it already sent, and the new sequence 1 is never taken for the old one.
extension DeviceVisit {
    /// The cursor to ask from: the stored one; 0 (every record, as a new series) once the numbering restarted.
    /// A device provisioned afresh (no cursor: forgotten and paired again) is asked for all its records, but its
    /// numbering is still checked against the last record stored before, so that a meter reset in between does
    /// not have its new records taken for the old ones. A lent meter visited for the first time since it was
    /// provisioned has its memory then marked (`markMemoryAtProvisioning`).
    func recordCursor(_ controlPoint: GattCharacteristicProxy) async throws(VisitError) -> Int? {
        var current = device
        var reference = current.lastSequenceNumber
        if reference == nil, let sensor = try? SensorKey(device.sensorKey) {
            reference = try? await store.latestSequenceNumber(sensor: sensor)
        }
        let identity = await identityChange()
        if let reference, reference > 0, let number = UInt16(exactly: reference),
           let restart = identity?.serialNumber == true
               ? identity?.description : try await numberingRestart(controlPoint, cursor: number, identityChange: identity) {
            logger.warning("the glucometer's record numbering restarted (\(restart)): fetching all its records as a new series",
                           metadata: ["device": "\(device.address)"])
            current = try await saved("the new numbering") { registry in
                try await registry.restartRecordNumbering(address: device.address)
            }
        }
        if current.memoryBoundaryPending { current = try await markMemoryAtProvisioning(controlPoint) }
        return current.lastSequenceNumber
    }

    /// The records a lent meter holds when it is provisioned are its previous user's: its last record now is the
    /// boundary, up to which records are fetched but kept apart (`ReadingOwner.inMemoryAtProvisioning`). Asked on
    /// the first visit after pairing, which follows at once. A meter that cannot say (no "last record" operator,
    /// no answer) leaves the lent-device time rule alone to judge, and the log says so.
    private func markMemoryAtProvisioning(_ controlPoint: GattCharacteristicProxy) async throws(VisitError) -> ProvisionedDevice {
        let (answer, frames) = try await probe(controlPoint, .reportStoredRecords(.lastRecord))
        let last: Int?
        switch answer {
        case .responseCode(_, .success)?:
            last = frames.last.flatMap { try? GlucoseMeasurement.decode($0).sequenceNumber }.map(Int.init)
        case .responseCode(_, .noRecordsFound)?:
            last = nil
        default:
            last = nil
            logger.notice("the glucometer cannot tell its last record: its memory at provisioning is judged by time stamps only",
                          metadata: ["device": "\(device.address)"])
        }
        logger.info("memory at provisioning: records up to \(last.map(String.init) ?? "none") are the previous user's",
                    metadata: ["device": "\(device.address)"])
        return try await saved("the memory at provisioning") { registry in
            try await registry.setMemoryBoundary(address: device.address, to: last)
        }
    }

    /// Saves a change of the device's provisioning and makes the frame processor follow it.
    private func saved(_ what: String, _ change: (DeviceRegistry) async throws -> ProvisionedDevice?)
        async throws(VisitError) -> ProvisionedDevice {
        let changed: ProvisionedDevice?
        do { changed = try await change(DeviceRegistry(store: store)) } catch {
            throw VisitError("record memory", "\(what) could not be saved: \(error)")
        }
        guard let changed else { throw VisitError("record memory", "the device is no longer provisioned") }
        processor.update(changed)
        return changed
    }

    /// Why the meter's numbering is not the one the cursor counts in, or nil when it is (or cannot be told).
    /// `identityChange`: the meter's identity changed since the last visit (`identityChange()`); it decides when the
    /// records cannot.
    private func numberingRestart(_ controlPoint: GattCharacteristicProxy, cursor: UInt16, identityChange: DeviceIdentity.Change?)
        async throws(VisitError) -> String? {
        let (atCursor, frames) = try await probe(controlPoint, .reportStoredRecords(.withinRange(from: cursor, through: cursor)))
        switch atCursor {
        case .responseCode(_, .success)?:
            guard let held = frames.first else { return nil }
            // Nothing stored to compare with (removed by retention or the quota): the numbering is taken as it was.
            guard let sensor = try? SensorKey(device.sensorKey),
                  let stored = try? await store.latestFrame(sensor: sensor, sequenceNumber: Int(cursor))
            else { return identityChange?.description }
            guard stored.starts(with: held) else { return "record \(cursor) is another record than the one stored" }
            if let identityChange {
                logger.info("\(identityChange), but the meter still holds record \(cursor) as stored: the same memory",
                            metadata: ["device": "\(device.address)"])
            }
            return nil
        case .responseCode(_, .noRecordsFound)?:
            let (answer, last) = try await probe(controlPoint, .reportStoredRecords(.lastRecord))
            guard case .responseCode(_, .success)? = answer, let frame = last.last,
                  let sequence = try? GlucoseMeasurement.decode(frame).sequenceNumber, sequence < cursor,
                  !RecordSequence.wrapped(to: Int(sequence), from: Int(cursor))
            else { return identityChange.map { "\($0) and record \(cursor) is gone" } }
            return "its last record is \(sequence), below the cursor \(cursor)"
        default:
            // A meter that cannot select by sequence number: the numbering cannot be checked.
            logger.notice("the glucometer's record numbering cannot be checked (answer \(atCursor.map { "\($0)" } ?? "none"))",
                          metadata: ["device": "\(device.address)"])
            return identityChange?.description
        }
    }

    /// One RACP request whose records are looked at, not stored.
    private func probe(_ controlPoint: GattCharacteristicProxy, _ request: RACPRequest)
        async throws(VisitError) -> (RACPResponse?, [[UInt8]]) {
        processor.beginRecordProbe()
        let answer: RACPResponse?
        do { answer = try await recordAccess(controlPoint, request) } catch {
            _ = processor.endRecordProbe()
            throw error
        }
        return (answer, processor.endRecordProbe())
    }
}
