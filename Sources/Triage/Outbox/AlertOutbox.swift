public import GRDB
public import Foundation

/// Where triage hands alert Flags for delivery to the follow-up centre.
///
/// Triage calls `enqueue` *inside* its own write transaction, on the same database connection, so an alert
/// and its outbox item are committed together or not at all: no alert without its Flag, no Flag without its
/// alert. The reading store's durable outbox implements this once it exists; until then `SQLiteAlertOutbox`
/// keeps the items in `triage_outbox_pending`.
///
/// - `identifier` is stable per alert state (`TriageFHIR.outboxIdentifier`): enqueuing the same identifier
///   again must change nothing (at-least-once in, exactly one item out).
/// - The forwarder sends `alertFlag` as a Bundle entry with `TriageFHIR.bundleRequest(for:)`
///   (conditional update on the Flag's identifier), which makes retries idempotent on the server too.
public protocol AlertOutbox: Sendable {
    func enqueue(alertFlag: FHIRFlag, identifier: String, in db: Database) throws
}

/// One item waiting in `triage_outbox_pending`.
public struct PendingAlertFlag: Sendable, Hashable {
    public var identifier: String
    public var request: FHIRBundleRequest
    public var flag: FHIRFlag
    public var resourceJSON: String
    public var enqueuedAt: Date
}

/// An `AlertOutbox` that keeps Flags in a table of the gateway's database until a forwarder takes them.
public struct SQLiteAlertOutbox: AlertOutbox {
    private let clock: @Sendable () -> Date

    public init(clock: @escaping @Sendable () -> Date = { Date() }) {
        self.clock = clock
    }

    public func enqueue(alertFlag: FHIRFlag, identifier: String, in db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(alertFlag), as: UTF8.self)
        let request = TriageFHIR.bundleRequest(for: alertFlag)
        try db.execute(
            sql: """
                INSERT INTO triage_outbox_pending
                    (identifier, resource_type, request_method, request_url, resource_json, enqueued_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(identifier) DO NOTHING
                """,
            arguments: [identifier, alertFlag.resourceType, request.method, request.url, json,
                        clock().timeIntervalSince1970])
    }

    /// Items not yet delivered, oldest first.
    public static func pending(in db: Database) throws -> [PendingAlertFlag] {
        let decoder = JSONDecoder()
        return try Row.fetchAll(db, sql: "SELECT * FROM triage_outbox_pending ORDER BY enqueued_at, identifier").map { row in
            let json: String = row["resource_json"]
            return PendingAlertFlag(
                identifier: row["identifier"],
                request: FHIRBundleRequest(method: row["request_method"], url: row["request_url"]),
                flag: try decoder.decode(FHIRFlag.self, from: Data(json.utf8)),
                resourceJSON: json,
                enqueuedAt: Date(timeIntervalSince1970: row["enqueued_at"]))
        }
    }

    /// Removes an item once the receiver has accepted it.
    public static func markDelivered(identifier: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM triage_outbox_pending WHERE identifier = ?", arguments: [identifier])
    }
}
