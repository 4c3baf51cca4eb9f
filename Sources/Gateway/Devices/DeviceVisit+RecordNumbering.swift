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
///   new numbering (a meter that merely deleted or overwrote old records goes on numbering above it).
///
/// Both answers are only looked at, never stored (`DeviceFrameProcessor.beginRecordProbe`). A new numbering is
/// a new record series (`DeviceRegistry.restartRecordNumbering`): the cursor goes back to 0 and every record the
/// meter holds is fetched, each with the series in its identity, so none is lost, none is a duplicate of the
/// records it already sent, and the new sequence 1 is never taken for the old one.
extension DeviceVisit {
    /// The cursor to ask from: the stored one; 0 (every record, as a new series) once the numbering restarted.
    /// A device provisioned afresh (no cursor: forgotten and paired again) is asked for all its records, but its
    /// numbering is still checked against the last record stored before, so that a meter reset in between does
    /// not have its new records taken for the old ones.
    func recordCursor(_ controlPoint: GattCharacteristicProxy) async throws(VisitError) -> Int? {
        var reference = device.lastSequenceNumber
        if reference == nil, let sensor = try? SensorKey(device.sensorKey) {
            reference = try? await store.latestSequenceNumber(sensor: sensor)
        }
        guard let reference, reference > 0, let number = UInt16(exactly: reference),
              let restart = try await numberingRestart(controlPoint, cursor: number)
        else { return device.lastSequenceNumber }
        logger.warning("the glucometer's record numbering restarted (\(restart)): fetching all its records as a new series",
                       metadata: ["device": "\(device.address)"])
        do {
            guard let restarted = try await DeviceRegistry(store: store).restartRecordNumbering(address: device.address) else {
                throw VisitError("record numbering", "the device is no longer provisioned")
            }
            processor.update(restarted)
            return restarted.lastSequenceNumber
        } catch let error as VisitError {
            throw error
        } catch {
            throw VisitError("record numbering", "the new numbering could not be saved: \(error)")
        }
    }

    /// Why the meter's numbering is not the one the cursor counts in, or nil when it is (or cannot be told).
    private func numberingRestart(_ controlPoint: GattCharacteristicProxy, cursor: UInt16) async throws(VisitError) -> String? {
        let (atCursor, frames) = try await probe(controlPoint, .reportStoredRecords(.withinRange(from: cursor, through: cursor)))
        switch atCursor {
        case .responseCode(_, .success)?:
            guard let held = frames.first else { return nil }
            // Nothing stored to compare with (removed by retention or the quota): the numbering is taken as it was.
            guard let sensor = try? SensorKey(device.sensorKey),
                  let stored = try? await store.latestFrame(sensor: sensor, sequenceNumber: Int(cursor))
            else { return nil }
            return stored.starts(with: held) ? nil : "record \(cursor) is another record than the one stored"
        case .responseCode(_, .noRecordsFound)?:
            let (answer, last) = try await probe(controlPoint, .reportStoredRecords(.lastRecord))
            guard case .responseCode(_, .success)? = answer, let frame = last.last,
                  let sequence = try? GlucoseMeasurement.decode(frame).sequenceNumber, sequence < cursor
            else { return nil }
            return "its last record is \(sequence), below the cursor \(cursor)"
        default:
            // A meter that cannot select by sequence number: the numbering cannot be checked.
            logger.notice("the glucometer's record numbering cannot be checked (answer \(atCursor.map { "\($0)" } ?? "none"))",
                          metadata: ["device": "\(device.address)"])
            return nil
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
