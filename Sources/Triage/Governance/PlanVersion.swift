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
}

/// How `proposeChange` reads its YAML.
public enum PlanChangeMode: Sendable, Hashable {
    /// The YAML is the complete new plan.
    case completePlan
    /// The YAML holds only the keys to change, merged over the active plan by the override rules.
    case overridesOnActivePlan
}
