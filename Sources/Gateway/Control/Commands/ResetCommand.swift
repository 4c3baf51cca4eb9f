import Foundation
import ReadingStore
import Triage

extension GatewayCommands {
    /// Prepares the hub for the next patient: forgets every device (and its bond), and erases readings,
    /// triage state and plan history. Refused while data is undelivered unless `discard-undelivered=true`.
    /// The daemon must then be given the new patient's configuration (and is restarted by the technician).
    ///
    /// Everything in the database is one transaction (the store's, the device registry's and triage's
    /// tables), which also lists the devices whose bonds bluetoothd must drop; those are removed after the
    /// commit, and what bluetoothd cannot remove now is removed at the next start-up (`BondRemovals`).
    func reset(_ arguments: CommandArguments) async throws(ControlError) -> [String: Int] {
        guard arguments.optional("confirm") == runtime.configuration.identity.gatewayID else {
            throw .badArguments("confirm by passing --confirm \(runtime.configuration.identity.gatewayID) (this hub's id)")
        }
        let devices = try await failing("reset") { try await runtime.registry.all() }
        try await failing("reset") {
            try await runtime.store.erasePatientData(discardUndelivered: arguments.flag("discard-undelivered")) { unit in
                try DeviceRegistry.forgetAll(in: unit)
                try Triage.forgetPatient(in: unit)
            }
        }
        await runtime.supervisor.reloadDevices()
        let bondsPending = await BondRemovals.finish(
            registry: runtime.registry, bluez: runtime.bluez, adapterName: runtime.configuration.bluetooth.adapter, logger: runtime.logger)
        runtime.logger.notice("hub reset for a new patient", metadata: ["devices": "\(devices.count)", "bondsPending": "\(bondsPending)"])
        return ["devicesForgotten": devices.count, "bondsPending": max(bondsPending, 0)]
    }
}
