import DeviceProfiles
import HealthProfiles

/// Whether an advertisement of a device that tells its state in it (profile `advertisement`) is a reason to visit.
///
/// An Omron cuff advertises whenever it is woken, also with nothing new for the patient (another user measured, the
/// clock was set) and in pairing mode; connecting then costs its battery and, in pairing mode, answers nothing. It is
/// visited only when the patient's user slot holds records. A device without such state, or state the gateway cannot
/// read, is visited as every other device is.
enum AdvertisedVisitGate {
    enum Decision: Equatable {
        case visit
        /// Nothing for the patient: no visit (the reason, for the debug log).
        case wait(String)
        /// The device waits to be paired: no visit; the technician is told (the state, for `dhoctl devices`).
        case pairingMode(String)
    }

    /// `summary`: the state for the technician, nil when the advertisement says none.
    static func decide(_ format: AdvertisedState?, _ data: AdvertisedData, userIndex: Int?) -> (Decision, summary: String?) {
        guard format == .omron, let state = try? OmronAdvertisement.decode(data) else { return (.visit, nil) }
        if state.pairingMode { return (.pairingMode(state.summary), state.summary) }
        let user = userIndex ?? 1
        guard let records = state.records(forUser: user), records > 0 else {
            return (.wait("no records for user \(user) (\(state.summary))"), state.summary)
        }
        return (.visit, state.summary)
    }
}
