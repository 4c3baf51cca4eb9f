import Foundation
import Triage

extension GatewayCommands {
    /// Active alerts, or with `--all` the recent history.
    func alerts(_ arguments: CommandArguments) async throws(ControlError) -> [AlertResult] {
        let limit = try arguments.int("limit", default: 50, in: 1...1000)
        return try await failing("alerts") {
            let alerts = arguments.flag("all")
                ? try await runtime.triage.alertHistory(limit: limit) : try await runtime.triage.activeAlerts()
            return alerts.map(Self.result)
        }
    }

    func acknowledge(_ arguments: CommandArguments) async throws(ControlError) -> AlertResult {
        let id = try arguments.required("id")
        let person = try arguments.required("by")
        return try await failing("acknowledge") { Self.result(try await runtime.triage.acknowledge(alertID: id, by: person)) }
    }

    static func result(_ alert: TriageAlert) -> AlertResult {
        AlertResult(
            id: alert.id, kind: alert.kind.rawValue, vital: alert.vital?.rawValue, zone: alert.zone.rawValue,
            status: alert.status.rawValue, raisedAt: alert.raisedAt, summary: alert.summary, afterHours: alert.afterHours,
            acknowledgedBy: alert.acknowledgedBy, acknowledgedAt: alert.acknowledgedAt)
    }
}
