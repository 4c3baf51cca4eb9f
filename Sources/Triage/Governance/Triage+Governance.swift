public import Foundation
import GRDB
public import HealthProfiles
import Logging

/// Threshold governance: thresholds change only on a doctor's order, verified by a second person, and every
/// step is recorded (who ordered, who verified, when, what changed).
extension Triage {
    /// Makes the on-disk plan (template + per-patient overrides) version 1 the first time triage starts on
    /// this database, recorded as "installed from template" by `installedBy` (the installing technician).
    /// Once any version exists the database is authoritative and this returns the active version unchanged:
    /// later changes go through `proposeChange` / `verifyChange` only.
    @discardableResult
    public func installPlanIfNeeded(
        _ document: CarePlanDocument, installedBy: String, source: String
    ) async throws -> PlanVersion {
        let installer = try Self.person(installedBy, role: "installing technician")
        let now = clock()
        let yaml = try Self.yaml(of: document)
        let (version, installed) = try await database.write { db -> (PlanVersion, Bool) in
            if let active = try PlanRecords.active(db) { return (active.version, false) }
            if try PlanRecords.nextVersion(db) != 1 { throw TriageError.noActivePlan }
            let version = PlanVersion(
                version: 1, status: .active, planName: document.plan.name, yaml: yaml,
                summary: "installed from \(source)", reason: "installed from template", orderedBy: installer,
                proposedAt: now, basedOnVersion: nil, verifiedBy: nil, verifiedAt: nil, activatedAt: now)
            try PlanRecords.insert(db, version)
            try AuditRecords.append(
                db, at: now, action: "installed-from-template", version: 1, actor: installer, orderedBy: installer,
                verifiedBy: nil,
                details: "\(source); plan \"\(document.plan.name)\"\(document.plan.isTemplate ? " (unindividualised template)" : "")")
            return (version, true)
        }
        if installed {
            logger.notice("care plan installed", metadata: ["version": "1", "template": "\(document.plan.isTemplate)"])
        }
        return version
    }

    /// Records a doctor's order to change the plan, entered by the OS user `operatorUID` (the control
    /// connection's peer credentials). The new version is pending until a different person, as a different OS
    /// user, verifies it; the plan in force does not change until then.
    @discardableResult
    public func proposeChange(
        planYAML: String, orderedBy: String, reason: String, operatorUID: UInt32, mode: PlanChangeMode = .completePlan
    ) async throws -> PlanVersion {
        let doctor = try Self.person(orderedBy, role: "ordering doctor")
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw TriageError.missingReason }
        let now = clock()
        let version = try await database.write { db -> PlanVersion in
            let active = try PlanRecords.active(db)
            let number = try PlanRecords.nextVersion(db)
            let (document, summary) = try Self.planDocument(
                planYAML, mode: mode, over: active?.document, source: "proposal \(number)")
            let version = PlanVersion(
                version: number, status: .pending, planName: document.plan.name, yaml: try Self.yaml(of: document),
                summary: summary, reason: reason,
                orderedBy: doctor, proposedAt: now, basedOnVersion: active?.version.version, verifiedBy: nil,
                verifiedAt: nil, activatedAt: nil, orderedByUID: operatorUID)
            try PlanRecords.insert(db, version)
            try AuditRecords.append(db, at: now, action: "change-proposed", version: number, actor: doctor,
                                    orderedBy: doctor, verifiedBy: nil, details: "\(reason)\n\(version.summary)",
                                    uids: .init(actor: operatorUID, orderedBy: operatorUID))
            return version
        }
        logger.notice("care plan change proposed", metadata: ["version": "\(version.version)"])
        return version
    }

    /// The second person's check. `verifiedBy` must be another name than the ordering doctor's, compared as
    /// `PersonName.skeleton` (case, spacing, accents, invisible characters and look-alike letters do not make a
    /// name different), and `operatorUID` another OS user than the one who entered the order. The version then
    /// becomes the plan in force and the previous one is superseded.
    @discardableResult
    public func verifyChange(version number: Int, verifiedBy: String, operatorUID: UInt32) async throws -> PlanVersion {
        let verifier = try Self.person(verifiedBy, role: "verifying person")
        let now = clock()
        let version = try await database.write { db -> PlanVersion in
            guard var version = try PlanRecords.fetch(db, version: number) else { throw TriageError.unknownVersion(number) }
            guard version.status == .pending else {
                throw TriageError.versionNotPending(version: number, status: version.status.rawValue)
            }
            guard PersonName.skeleton(verifier) != PersonName.skeleton(version.orderedBy) else {
                throw TriageError.verifierMustDiffer(version: number, person: version.orderedBy, verifier: verifier)
            }
            if let orderingUID = version.orderedByUID, orderingUID == operatorUID {
                throw TriageError.verifierMustBeAnotherUser(version: number, uid: operatorUID)
            }
            try db.execute(sql: "UPDATE triage_plan_versions SET status = 'superseded' WHERE status = 'active'")
            try db.execute(
                sql: """
                    UPDATE triage_plan_versions SET status = 'active', verified_by = ?, verified_by_uid = ?, verified_at = ?,
                        activated_at = ?
                    WHERE version = ?
                    """,
                arguments: [verifier, operatorUID, now.timeIntervalSince1970, now.timeIntervalSince1970, number])
            try AuditRecords.append(
                db, at: now, action: "change-verified", version: number, actor: verifier,
                orderedBy: version.orderedBy, verifiedBy: verifier,
                details: "ordered \(TriageFHIR.dateTime(version.proposedAt)): \(version.reason)\n\(version.summary)",
                uids: .init(actor: operatorUID, orderedBy: version.orderedByUID, verifiedBy: operatorUID))
            version.status = .active
            version.verifiedBy = verifier
            version.verifiedByUID = operatorUID
            version.verifiedAt = now
            version.activatedAt = now
            return version
        }
        logger.notice("care plan change verified and in force", metadata: ["version": "\(number)"])
        return version
    }

    /// Withdraws a pending change (either person may do so); recorded in the audit trail.
    @discardableResult
    public func rejectChange(version number: Int, rejectedBy: String, reason: String, operatorUID: UInt32) async throws
        -> PlanVersion {
        let person = try Self.person(rejectedBy, role: "rejecting person")
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw TriageError.missingReason }
        let now = clock()
        return try await database.write { db -> PlanVersion in
            guard var version = try PlanRecords.fetch(db, version: number) else { throw TriageError.unknownVersion(number) }
            guard version.status == .pending else {
                throw TriageError.versionNotPending(version: number, status: version.status.rawValue)
            }
            try db.execute(sql: "UPDATE triage_plan_versions SET status = 'rejected' WHERE version = ?", arguments: [number])
            try AuditRecords.append(db, at: now, action: "change-rejected", version: number, actor: person,
                                    orderedBy: version.orderedBy, verifiedBy: nil, details: reason,
                                    uids: .init(actor: operatorUID, orderedBy: version.orderedByUID))
            version.status = .rejected
            return version
        }
    }

    /// The plan in force and its version, or nil before installation.
    public func activePlan() async throws -> (version: PlanVersion, document: CarePlanDocument)? {
        try await database.read { db in try PlanRecords.active(db).map { ($0.version, $0.document) } }
    }

    /// Every plan version, oldest first.
    public func planHistory() async throws -> [PlanVersion] {
        try await database.read { db in try PlanRecords.all(db) }
    }

    /// The latest `limit` audit entries, newest first.
    public func auditTrail(limit: Int) async throws -> [AuditEntry] {
        guard limit > 0 else { throw TriageError.invalidLimit(limit) }
        return try await database.read { db in try AuditRecords.recent(db, limit: limit) }
    }

    /// Habitual values established so far.
    public func baselines() async throws -> [Baseline] {
        try await database.read { db in try BaselineRecords.all(db) }
    }

    /// On a doctor's order, discards the habitual value of `vital` and collects a new one from `collectFrom`
    /// (e.g. after a change of medication); baseline rules for the vital pause until it is established.
    public func restartBaseline(vital: VitalSign, collectingFrom collectFrom: Date, orderedBy: String, reason: String)
        async throws {
        let doctor = try Self.person(orderedBy, role: "ordering doctor")
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw TriageError.missingReason }
        let now = clock()
        try await database.write { db in
            let previous = try BaselineRecords.fetch(db, vital: vital)
            try BaselineRecords.restart(db, vital: vital, from: collectFrom)
            try AuditRecords.append(
                db, at: now, action: "baseline-restarted", version: nil, actor: doctor, orderedBy: doctor, verifiedBy: nil,
                details: "\(vital.rawValue): collecting from \(TriageFHIR.dateTime(collectFrom)); previous " +
                    "\(previous.map { RuleEvaluator.format($0.value) } ?? "none"); \(reason)")
        }
    }

    static func person(_ name: String, role: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw TriageError.missingPerson(role: role) }
        return trimmed
    }

    /// A proposed plan as a whole — the complete plan, or overrides merged over the plan in force — and what it
    /// changes against that plan, one "key: old -> new" per line ("no change" when nothing does).
    static func planDocument(
        _ yaml: String, mode: PlanChangeMode, over active: CarePlanDocument?, source: String
    ) throws -> (document: CarePlanDocument, summary: String) {
        let document: CarePlanDocument
        do {
            switch mode {
            case .completePlan:
                document = try CarePlanDocument.parse(yaml: yaml, source: source)
            case .overridesOnActivePlan:
                guard let active else { throw TriageError.noActivePlan }
                document = try active.merging(overridesYAML: yaml, source: source)
            }
        } catch let error as CarePlanError {
            throw TriageError.invalidPlan(error)
        }
        let changes = document.changes(from: active)
        return (document, changes.isEmpty ? "no change" : changes.joined(separator: "\n"))
    }

    static func yaml(of document: CarePlanDocument) throws -> String {
        do {
            return try document.yamlText()
        } catch {
            throw TriageError.invalidPlan(error)
        }
    }
}
