import BlueZ

/// A device that lost its bond (battery change, factory reset) refuses the keys bluetoothd still holds for
/// it: Connect() or the first access to an encrypted characteristic fails with
/// org.bluez.Error.AuthenticationFailed, or with the HCI reason "PIN or Key Missing". No retry can help; the
/// stale bond must be removed and the device paired again (`dhoctl pair --renew`).
enum BondLoss {
    static func isBondLoss(_ error: BlueZError) -> Bool {
        guard case let .bluez(name, message) = error else { return false }
        let text = message.lowercased()
        return name == .authenticationFailed || text.contains("key missing") || text.contains("key-missing")
    }
}
