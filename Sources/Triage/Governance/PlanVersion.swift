public import Foundation

public enum PlanVersionStatus: String, Sendable, Hashable, Codable {
    case pending
    case active
    case superseded
    case rejected
}

/// One version of the patient's care plan as stored, with who ordered and who verified it.
public struct PlanVersion: Sendable, Hashable {
    public var version: Int
    public var status: PlanVersionStatus
    public var planName: String
    /// The complete plan in force with this version, as YAML.
    public var yaml: String
    /// What changed against the version it was based on, one "key.path: old -> new" per line.
    public var summary: String
    public var reason: String
    public var orderedBy: String
    public var proposedAt: Date
    public var basedOnVersion: Int?
    public var verifiedBy: String?
    public var verifiedAt: Date?
    public var activatedAt: Date?
    /// OS users (uids from the control connection's peer credentials) who entered the order and the
    /// verification; nil for versions installed from the template or recorded before uids were kept.
    public var orderedByUID: UInt32? = nil
    public var verifiedByUID: UInt32? = nil
}

/// One line of the governance audit trail.
public struct AuditEntry: Sendable, Hashable {
    public var id: Int64
    public var at: Date
    /// "installed-from-template", "change-proposed", "change-verified", "change-rejected", "baseline-restarted".
    public var action: String
    public var version: Int?
    public var actor: String
    public var orderedBy: String?
    public var verifiedBy: String?
    public var details: String
    /// The OS users behind `actor`, `orderedBy` and `verifiedBy`, where known (see `PlanVersion.orderedByUID`).
    public var uids = AuditUIDs()
}

/// OS user ids recorded with an audit entry.
public struct AuditUIDs: Sendable, Hashable {
    public var actor: UInt32?
    public var orderedBy: UInt32?
    public var verifiedBy: UInt32?

    public init(actor: UInt32? = nil, orderedBy: UInt32? = nil, verifiedBy: UInt32? = nil) {
        self.actor = actor
        self.orderedBy = orderedBy
        self.verifiedBy = verifiedBy
    }
}

/// How `proposeChange` reads its YAML.
public enum PlanChangeMode: Sendable, Hashable {
    /// The YAML is the complete new plan.
    case completePlan
    /// The YAML holds only the keys to change, merged over the active plan by the override rules.
    case overridesOnActivePlan
}
