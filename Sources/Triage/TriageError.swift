public import Foundation

/// Why a triage operation was refused. Nothing is changed when one of these is thrown.
public enum TriageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No care plan has been installed yet (`installPlanIfNeeded`).
    case noActivePlan
    /// The reading store was opened without `Triage.storeMigrations`, so triage's tables are missing.
    case storeNotPrepared
    case invalidPlan(CarePlanError)
    /// The two-person rule: the verifier must be someone other than the doctor who ordered the change
    /// (names compared as `PersonName.skeleton`)...
    case verifierMustDiffer(version: Int, person: String, verifier: String)
    /// ...and verify as another OS user than the one who entered the order.
    case verifierMustBeAnotherUser(version: Int, uid: UInt32)
    case versionNotPending(version: Int, status: String)
    case unknownVersion(Int)
    case unknownAlert(String)
    case alreadyAcknowledged(alertID: String, by: String, at: Date)
    /// A person's identifier (orderer, verifier, acknowledger, installer) was empty.
    case missingPerson(role: String)
    case missingReason
    case invalidReadingID
    case invalidLimit(Int)
    /// A stored row could not be read back (database edited by hand or corrupted).
    case corruptRecord(String)

    public var description: String {
        switch self {
        case .noActivePlan: return "no care plan is installed"
        case .storeNotPrepared:
            return "triage's tables are missing: open the reading store with Triage.storeMigrations"
        case let .invalidPlan(error): return "invalid care plan: \(error)"
        case let .verifierMustDiffer(version, person, verifier):
            let sameText = verifier.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                == person.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            return "plan version \(version) was ordered by \(person); it must be verified by someone else"
                + (sameText ? "" : " (\"\(verifier)\" is the same name once case, spacing, accents, invisible characters "
                    + "and look-alike letters are set aside)")
        case let .verifierMustBeAnotherUser(version, uid):
            return "plan version \(version) was entered by OS user \(uid); it must be verified from another user's "
                + "account (log in as the verifying person, not with the orderer's login or sudo)"
        case let .versionNotPending(version, status): return "plan version \(version) is \(status), not pending"
        case let .unknownVersion(version): return "there is no plan version \(version)"
        case let .unknownAlert(id): return "there is no alert \(id)"
        case let .alreadyAcknowledged(id, by, at): return "alert \(id) was already acknowledged by \(by) at \(at)"
        case let .missingPerson(role): return "the \(role) must be named"
        case .missingReason: return "a reason must be given"
        case .invalidReadingID: return "the reading id must not be empty"
        case let .invalidLimit(limit): return "limit must be positive, not \(limit)"
        case let .corruptRecord(what): return "stored triage data is unreadable: \(what)"
        }
    }
}
