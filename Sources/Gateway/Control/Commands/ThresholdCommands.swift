import Foundation
import Triage

/// Threshold changes follow the doctor's-order rule: one person orders (proposes), a different person
/// verifies from a different OS account; only then does the change take effect. Both are recorded with time and
/// uid (the kernel's peer credentials of the control connection, never what the client says) in the audit trail.
extension GatewayCommands {
    func thresholds() async throws(ControlError) -> ThresholdsResult {
        try await failing("thresholds") {
            let active = try await runtime.triage.activePlan()
            return ThresholdsResult(
                active: active.map { Self.result($0.version) }, activeYAML: active?.version.yaml,
                history: try await runtime.triage.planHistory().map(Self.result))
        }
    }

    /// `yaml` is the complete plan, or with `overrides=true` only the keys to change.
    func proposeThresholds(_ arguments: CommandArguments, operatorUID: UInt32) async throws(ControlError) -> PlanVersionResult {
        let yaml = try arguments.required("yaml")
        let doctor = try arguments.required("ordered-by")
        let reason = try arguments.required("reason")
        let mode: PlanChangeMode = arguments.flag("overrides") ? .overridesOnActivePlan : .completePlan
        if runtime.configuration.patient.planSource == .centre {
            throw ControlError("failed",
                "proposal refused: this hub takes its care plan from the follow-up centre (patient: care-plan: source: "
                    + "centre); the doctor's order and its verification are entered there")
        }
        return try await failing("proposal refused") {
            Self.result(try await runtime.triage.proposeChange(
                planYAML: yaml, orderedBy: doctor, reason: reason, operatorUID: operatorUID, mode: mode))
        }
    }

    func verifyThresholds(_ arguments: CommandArguments, operatorUID: UInt32) async throws(ControlError) -> PlanVersionResult {
        let version = try arguments.int("version", default: 0, in: 1...Int(Int32.max))
        let person = try arguments.required("verified-by")
        return try await failing("verification refused") {
            Self.result(try await runtime.triage.verifyChange(version: version, verifiedBy: person, operatorUID: operatorUID))
        }
    }

    func rejectThresholds(_ arguments: CommandArguments, operatorUID: UInt32) async throws(ControlError) -> PlanVersionResult {
        let version = try arguments.int("version", default: 0, in: 1...Int(Int32.max))
        let person = try arguments.required("rejected-by")
        let reason = try arguments.required("reason")
        return try await failing("rejection refused") {
            Self.result(try await runtime.triage.rejectChange(
                version: version, rejectedBy: person, reason: reason, operatorUID: operatorUID))
        }
    }

    static func result(_ version: PlanVersion) -> PlanVersionResult {
        PlanVersionResult(
            version: version.version, status: version.status.rawValue, planName: version.planName, summary: version.summary,
            reason: version.reason, orderedBy: version.orderedBy, proposedAt: version.proposedAt,
            verifiedBy: version.verifiedBy, verifiedAt: version.verifiedAt, orderedByUID: version.orderedByUID,
            verifiedByUID: version.verifiedByUID)
    }
}
