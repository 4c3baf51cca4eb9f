public import FHIRModel
public import ReadingStore

/// Where triage hands alert Flags for delivery to the follow-up centre (the gateway wires the store's outbox:
/// `StoreAlertOutbox`, in Gateway/Wiring).
///
/// Triage calls `enqueue` *inside* its own write transaction (`unit`), so an alert and its outbox item are
/// committed together or not at all: no alert without its Flag, no Flag without its alert.
///
/// - `key` is stable per alert state (`TriageFHIR.outboxIdentifier`): enqueuing the same key again must
///   change nothing (at-least-once in, exactly one item out).
/// - `entry` is the Flag as a conditional update on its identifier (`TriageFHIR.flagEntry`), which makes
///   retries idempotent on the server too; the states of one Flag must reach the server in the order queued.
public protocol AlertOutbox: Sendable {
    func enqueue(_ entry: BundleEntry, key: String, in unit: StoreUnitOfWork) throws
}
