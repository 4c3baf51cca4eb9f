public import Foundation
import GRDB

/// A care plan ordered by the patient's doctor and verified by a second person at the follow-up centre, as the
/// hub fetched it. The centre's own record of the two people is what the hub checks: the same rules as a local
/// change (both named, different persons, the plan valid as a whole), in one step because both already acted.
public struct CentrePlanOrder: Sendable, Equatable {
    /// The centre's resource version this order came from ("CarePlan/<id>/_history/<version>"): each is
    /// installed or refused once.
    public var reference: String
    public var planYAML: String
    public var mode: PlanChangeMode
    public var orderedBy: String
    public var verifiedBy: String
    public var reason: String
    /// When the centre recorded the verification.
    public var verifiedAt: Date?

    public init(
        reference: String, planYAML: String, mode: PlanChangeMode, orderedBy: String, verifiedBy: String, reason: String,
        verifiedAt: Date?
    ) {
        self.reference = reference
        self.planYAML = planYAML
        self.mode = mode
        self.orderedBy = orderedBy
        self.verifiedBy = verifiedBy
        self.reason = reason
        self.verifiedAt = verifiedAt
    }
}

extension Triage {
    static let centrePlanInstalled = "centre-plan-installed"
    static let centrePlanRefused = "centre-plan-refused"

    /// What became of a centre plan version before: "installed" (with the hub's version) or "refused", or nil
    /// when the hub has not seen it. The audit trail is the record, so the answer outlives restarts.
    public func centrePlanOutcome(reference: String) async throws -> (action: String, version: Int?, reason: String)? {
        try await database.read { db in
            let row = try Row.fetchOne(
                db, sql: """
                    SELECT action, version, details FROM triage_audit
                    WHERE action IN (?, ?) AND substr(details, 1, ?) = ? ORDER BY id DESC LIMIT 1
                    """,
                arguments: [Self.centrePlanInstalled, Self.centrePlanRefused, reference.count + 1, reference + "\n"])
            return row.map { row in
                let details: String = row["details"]
                let lines = details.split(separator: "\n", omittingEmptySubsequences: false)
                return (action: row["action"] == Self.centrePlanInstalled ? "installed" : "refused", version: row["version"],
                        reason: lines.count > 1 ? String(lines[1]) : "")
            }
        }
    }

    /// Installs a centre plan as the plan in force, or throws the reason it is refused (the plan in force then
    /// stays). Readings measured from now on are triaged by it; earlier ones keep their evaluation.
    @discardableResult
    public func installCentrePlan(_ order: CentrePlanOrder) async throws -> PlanVersion {
        let doctor = try Self.person(order.orderedBy, role: "ordering doctor")
        let verifier = try Self.person(order.verifiedBy, role: "verifying person")
        let reason = order.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw TriageError.missingReason }
        let now = clock()
        let version = try await database.write { db -> PlanVersion in
            let active = try PlanRecords.active(db)
            let number = try PlanRecords.nextVersion(db)
            guard PersonName.skeleton(verifier) != PersonName.skeleton(doctor) else {
                throw TriageError.verifierMustDiffer(version: number, person: doctor, verifier: verifier)
            }
            let (document, summary) = try Self.planDocument(
                order.planYAML, mode: order.mode, over: active?.document, source: order.reference)
            let version = PlanVersion(
                version: number, status: .active, planName: document.plan.name, yaml: try Self.yaml(of: document),
                summary: summary, reason: reason,
                orderedBy: doctor, proposedAt: order.verifiedAt ?? now, basedOnVersion: active?.version.version,
                verifiedBy: verifier, verifiedAt: order.verifiedAt ?? now, activatedAt: now)
            try db.execute(sql: "UPDATE triage_plan_versions SET status = 'superseded' WHERE status = 'active'")
            try PlanRecords.insert(db, version)
            try AuditRecords.append(
                db, at: now, action: Self.centrePlanInstalled, version: number, actor: "follow-up centre",
                orderedBy: doctor, verifiedBy: verifier, details: "\(order.reference)\n\(reason)\n\(version.summary)")
            return version
        }
        logger.notice("care plan from the centre in force", metadata: ["version": "\(version.version)"])
        return version
    }

    /// Records that a centre plan version was refused and why; the plan in force is unchanged.
    public func recordRefusedCentrePlan(reference: String, reason: String) async throws {
        let now = clock()
        try await database.write { db in
            try AuditRecords.append(
                db, at: now, action: Self.centrePlanRefused, version: nil, actor: "follow-up centre", orderedBy: nil,
                verifiedBy: nil, details: "\(reference)\n\(reason.replacingOccurrences(of: "\n", with: "; "))")
        }
        logger.warning("care plan from the centre refused", metadata: ["reason": "\(reason)"])
    }
}
