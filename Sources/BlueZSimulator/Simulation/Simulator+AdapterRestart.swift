import BlueZ
import DBus

/// Where the adapter's own setup stands after a simulated bluetoothd restart.
struct AdapterRestartState: Sendable {
    /// Setup calls still to answer org.bluez.Error.Busy (`AdapterConfig.busyAfterRestart`).
    var busyCallsLeft = 0
    /// bluetoothd is still powering the adapter itself (`AdapterConfig.poweringAfterRestartMs`).
    var powering = false
    /// Setup calls answered Busy so far, for the control interface.
    var busyReplies = 0
}

/// Debian's bluetoothd 5.66 after a restart: it exports the adapter unpowered, powers it itself a moment later and
/// answers a client's setup meanwhile with org.bluez.Error.Busy (a Set of Powered while its own power-on is pending).
extension Simulator {
    /// Called between the old bluetoothd's end and the new one's start, so that the adapter is exported as it then is.
    func beginAdapterRestart() {
        adapterRestart.busyCallsLeft = scenario.adapter.busyAfterRestart
        guard let delay = scenario.adapter.poweringAfterRestartMs else { return }
        adapterPowered = false
        adapterRestart.powering = true
        let instance = generation + 1  // the one `startBluetoothd` is about to make
        Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(delay))
            await self?.finishPowering(instance)
        }
    }

    private func finishPowering(_ instance: Int) {
        guard adapterRestart.powering, generation == instance else { return }
        adapterRestart.powering = false
        adapterPowered = true
        setAdapterProperties(["Powered": .boolean(true)])
        logger.info("bluetoothd powered the adapter itself after the restart")
    }

    /// Answers an adapter setup call (Set Powered, SetDiscoveryFilter, StartDiscovery) with org.bluez.Error.Busy
    /// while the scenario says bluetoothd is still setting the adapter up after a restart.
    func refuseWhileSettingUp(_ call: String) throws(DBusError) {
        if adapterRestart.busyCallsLeft > 0 {
            adapterRestart.busyCallsLeft -= 1
        } else if !adapterRestart.powering {
            return
        }
        adapterRestart.busyReplies += 1
        logger.info("answering \(call) with \(BlueZErrorName.busy) (the adapter is still being set up after the restart)")
        throw bluezError(.busy, "Operation is busy")
    }
}
