public import FHIRModel
public import ReadingStore
public import Triage

/// Triage's alert Flags into the reading store's durable outbox (`kind: .alert`), delivered by the same forwarder
/// as the readings: the glue between the two modules, kept where they are wired so that neither knows the other.
///
/// The versions of one Flag share a sequence key (the conditional-update URL), so the "inactive" version is
/// never sent before, nor in the same Bundle as, the "active" one. Every Flag is urgent: the centre must learn
/// of an alert (and of its end) without waiting behind a long back-off.
public struct StoreAlertOutbox: AlertOutbox {
    public init() {}

    public func enqueue(_ entry: BundleEntry, key: String, in unit: StoreUnitOfWork) throws {
        try unit.enqueue(
            kind: .alert, key: key, payload: BundleEntry.payload([entry]), sequenceKey: entry.updatedResourceURL,
            priority: .urgent)
    }
}
