public import Forwarding
import Foundation
public import GRDB
import ReadingStore

/// Where triage hands alert Flags for delivery to the follow-up centre.
///
/// Triage calls `enqueue` *inside* its own write transaction, on the same database connection, so an alert
/// and its outbox item are committed together or not at all: no alert without its Flag, no Flag without its
/// alert.
///
/// - `key` is stable per alert state (`TriageFHIR.outboxIdentifier`): enqueuing the same key again must
///   change nothing (at-least-once in, exactly one item out).
/// - `entry` is the Flag as a conditional update on its identifier (`TriageFHIR.flagEntry`), which makes
///   retries idempotent on the server too; the states of one Flag must reach the server in the order queued.
public protocol AlertOutbox: Sendable {
    func enqueue(_ entry: BundleEntry, key: String, in db: Database) throws
}

/// The `AlertOutbox` of the gateway: the reading store's durable outbox (`kind: .alert`), delivered by the
/// same forwarder as the readings. The versions of one Flag share a sequence key (the conditional-update
/// URL), so the "inactive" version is never sent before, nor in the same Bundle as, the "active" one. Every
/// Flag is urgent: the centre must learn of an alert (and of its end) without waiting behind a long back-off.
public struct StoreAlertOutbox: AlertOutbox {
    public init() {}

    public func enqueue(_ entry: BundleEntry, key: String, in db: Database) throws {
        // The outbox's own bookkeeping runs on the real clock (the forwarder's), whatever clock triage uses.
        try Outbox.enqueue(
            db, kind: .alert, key: key, payload: BundleEntry.payload([entry]), sequenceKey: entry.updatedResourceURL,
            priority: .urgent, now: Date())
    }
}
