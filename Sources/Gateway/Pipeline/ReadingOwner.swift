import Foundation

/// Whether a reading is someone else's than the patient's, beyond the lent-device time rule (`MeasurementTime`):
/// by its User ID (blood pressure, weight and body composition frames carry one when their flag says so), or as
/// a record a lent glucometer already held when it was provisioned.
///
/// A family cuff or scale remembers several people. The patient's user index is part of the device's
/// provisioning (`dhoctl pair --user N`); a device provisioned without one is taken as single-user, so its
/// readings are the patient's whatever index it reports — except "unknown user" (0xFF: a guest measurement,
/// or a cuff that could not tell who measured), which is never anybody's for sure.
enum ReadingOwner {
    /// The User Data Service's "unknown user".
    static let unknownUser: UInt8 = 0xFF

    /// Why the reading is not the patient's, for `dhoctl readings` ("another user (2)", "unknown user"); nil when
    /// it is theirs.
    static func notThePatients(userID: UInt8?, patientIndex: Int?, registrationPending: Bool = false) -> String? {
        if userID == unknownUser { return "unknown user" }
        // Provisioned to be registered on the device, not registered yet: nobody's reading is the patient's yet.
        if registrationPending { return userID.map { "another user (\($0))" } ?? "unknown user" }
        guard let patientIndex else { return nil }
        // On a device where the patient is one of several users, a reading that names nobody is nobody's for sure.
        guard let userID else { return "unknown user" }
        return Int(userID) == patientIndex ? nil : "another user (\(userID))"
    }

    /// A lent glucometer's record that was in its memory when it was provisioned (numbered up to the boundary) is
    /// the previous user's — whatever its stamp says (a clock never set dates nothing) — unless its corrected time
    /// puts it after provisioning (measured between the pairing and the visit that found the boundary).
    static func inMemoryAtProvisioning(sequenceNumber: UInt16?, boundary: Int?, time: MeasurementTime,
                                       provisionedAt: Date) -> Bool {
        guard let sequenceNumber, let boundary, RecordSequence.isAtOrBefore(Int(sequenceNumber), boundary) else { return false }
        let datedByItsClock = [.deviceClockCorrected, .deviceClock].contains(time.source) && time.note == nil
        return !(datedByItsClock && time.instant >= provisionedAt)
    }
}
