/// Whether a reading's User ID (blood pressure, weight and body composition frames carry one when their flag
/// says so) makes it someone else's than the patient's.
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
    static func notThePatients(userID: UInt8?, patientIndex: Int?) -> String? {
        if userID == unknownUser { return "unknown user" }
        guard let patientIndex else { return nil }
        // On a device where the patient is one of several users, a reading that names nobody is nobody's for sure.
        guard let userID else { return "unknown user" }
        return Int(userID) == patientIndex ? nil : "another user (\(userID))"
    }
}
