import ReadingStore

/// A red reading or an alert Flag that the centre rejected is parked: the centre has not seen it, and nobody
/// is told unless the hub says so. While any such item is parked, the `urgent-data-parked` technical alert
/// stands (logged at critical level, shown by `dhoctl status` and `dhoctl doctor`); it clears once none is
/// parked any more (resent by `dhoctl parked resend` or the forwarder's automatic second chance).
///
/// Checked whenever the forwarder parks or requeues items, and by the maintenance loop (which covers items
/// parked before a restart).
enum ParkedItemsAlarm {
    static func check(store: ReadingStore, technicalAlerts: TechnicalAlerts) async {
        guard let status = try? await store.outboxStatus() else { return }
        if status.parkedUrgent > 0 {
            technicalAlerts.raise(
                .urgentDataParked,
                "the follow-up centre rejected urgent data (red readings or alert Flags), which is parked and has not "
                    + "reached it: see `dhoctl parked` for the centre's reason, then `dhoctl parked resend`")
        } else {
            technicalAlerts.clear(.urgentDataParked)
        }
    }
}
