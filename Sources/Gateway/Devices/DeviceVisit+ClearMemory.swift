import BlueZ
import HealthProfiles

/// A lent glucometer goes back with the patient's records in it, and comes with the previous patient's. Where the
/// profile has the Record Access Control Point, the technician can have the meter delete them
/// (`dhoctl device clear-memory`). Only ever in the visit that has just transferred every record (so nothing not
/// stored on the hub is deleted), and only records up to the cursor (RACP "delete stored records, ≤ cursor"): one
/// the meter took after the transfer stays in it.
extension DeviceVisit {
    /// Deletes the records up to the cursor; the visit's end text says what was done.
    func clearMemory(_ controlPoint: GattCharacteristicProxy) async throws(VisitError) -> String {
        let current: ProvisionedDevice?
        do { current = try await DeviceRegistry(store: store).device(address: device.address) } catch {
            throw VisitError("clear memory", "the cursor could not be read: \(error)")
        }
        guard let cursor = current?.lastSequenceNumber, cursor > 0, let last = UInt16(exactly: cursor) else {
            throw VisitError("clear memory", "no record of the meter is stored on this hub yet: nothing cleared")
        }
        switch try await recordAccess(controlPoint, .deleteStoredRecords(.lessThanOrEqualTo(sequenceNumber: last))) {
        case .responseCode(_, .success)?:
            logger.notice("the meter's memory cleared up to record \(cursor)", metadata: ["device": "\(device.address)"])
            return "all records received; memory cleared up to record \(cursor)"
        case .responseCode(_, .noRecordsFound)?:
            return "all records received; memory already clear up to record \(cursor)"
        case .responseCode(_, .opCodeNotSupported)?:
            throw VisitError("clear memory", "the meter does not delete records (RACP delete not supported)")
        case let .responseCode(_, code)?:
            throw VisitError("clear memory", "the meter answered \(code)")
        case let .numberOfStoredRecords(count)?:
            throw VisitError("clear memory", "unexpected count answer (\(count))")
        case nil:
            throw VisitError("clear memory", "no answer within \(settings.controlPointTimeout)")
        }
    }
}
