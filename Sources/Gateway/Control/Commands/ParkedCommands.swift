public import Foundation
import ReadingStore

/// A parked outbox item as `dhoctl parked` shows it: what it is, since when, and the centre's reason.
public struct ParkedItemResult: Sendable, Codable, Equatable {
    public var id: Int64
    /// reading, alert (a Flag), device...
    public var kind: String
    /// The reading's identifier, the alert's outbox identifier...
    public var key: String
    /// A red reading or an alert Flag (it raises the `urgent-data-parked` technical alert).
    public var urgent: Bool
    public var enqueuedAt: Date
    public var parkedAt: Date?
    public var attempts: Int
    /// What the centre answered (status line and OperationOutcome), or why the item could not be built.
    public var reason: String?
}

public struct ParkedResendResult: Sendable, Codable, Equatable {
    /// Items put back in the queue.
    public var requeued: Int
    public var queue: StatusResult.Queue
}

extension GatewayCommands {
    /// Parked items, oldest first.
    func parked(_ arguments: CommandArguments) async throws(ControlError) -> [ParkedItemResult] {
        let limit = try arguments.int("limit", default: 1000, in: 1...100_000)
        return try await failing("parked") {
            try await runtime.store.outboxItems(in: .parked, limit: limit).map { item in
                ParkedItemResult(
                    id: item.id, kind: item.kind.rawValue, key: item.key, urgent: item.priority == .urgent,
                    enqueuedAt: item.enqueuedAt, parkedAt: item.parkedAt, attempts: item.attempts, reason: item.parkReason)
            }
        }
    }

    /// Puts parked items back in the queue (`all=true`, or `ids=1,2,3`) and forwards now. Ids that are not
    /// parked refuse the whole request, so that a typo changes nothing.
    func resendParked(_ arguments: CommandArguments) async throws(ControlError) -> ParkedResendResult {
        let all = arguments.flag("all")
        let ids = try Self.itemIDs(arguments.optional("ids"))
        guard all != !ids.isEmpty else { throw .badArguments("name the parked items to resend (their ids) or pass --all, not both") }
        if !all {
            let parked = try await failing("parked") { Set(try await runtime.store.outboxItems(in: .parked, limit: 100_000).map(\.id)) }
            let unknown = ids.filter { !parked.contains($0) }
            guard unknown.isEmpty else {
                throw ControlError("not-found", "no parked item with id \(unknown.map(String.init).joined(separator: ", ")) (see dhoctl parked)")
            }
        }
        let requeued = try await failing("resend") { try await runtime.store.requeueParked(all ? nil : ids) }
        runtime.logger.notice("parked items sent again on the technician's request", metadata: ["items": "\(requeued)"])
        await ParkedItemsAlarm.check(store: runtime.store, technicalAlerts: runtime.technicalAlerts)
        runtime.forwarder.forwardNow()
        return ParkedResendResult(requeued: requeued, queue: try await status().queue)
    }

    static func itemIDs(_ text: String?) throws(ControlError) -> [Int64] {
        guard let text else { return [] }
        var ids: [Int64] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let id = Int64(part.trimmingCharacters(in: .whitespaces)), id > 0 else {
                throw .badArguments("\"\(part)\" is not an item id (a positive whole number, see dhoctl parked)")
            }
            ids.append(id)
        }
        return ids
    }
}
