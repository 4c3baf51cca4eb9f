import BlueZ
import Foundation
import GRDB
import ReadingStore

extension GatewayCommands {
    /// Prepares the hub for the next patient: forgets every device (and its bond), and erases readings,
    /// triage state and plan history. Refused while data is undelivered unless `discard-undelivered=true`.
    /// The daemon must then be given the new patient's configuration (and is restarted by the technician).
    func reset(_ arguments: CommandArguments) async throws(ControlError) -> [String: Int] {
        guard arguments.optional("confirm") == runtime.configuration.identity.gatewayID else {
            throw .badArguments("confirm by passing --confirm \(runtime.configuration.identity.gatewayID) (this hub's id)")
        }
        let devices = try await failing("reset") { try await runtime.registry.all() }
        try await failing("reset") {
            try await runtime.store.erasePatientData(discardUndelivered: arguments.flag("discard-undelivered")) { db in
                try db.execute(sql: "DELETE FROM gateway_devices")
            }
            try await runtime.triage.forgetPatient()
        }
        await runtime.supervisor.reloadDevices()
        for device in devices {
            guard let address = BluetoothAddress(device.address) else { continue }
            try? await adapter.removeDevice(address.devicePath(on: adapter.path))
        }
        runtime.logger.notice("hub reset for a new patient", metadata: ["devices": "\(devices.count)"])
        return ["devicesForgotten": devices.count]
    }
}
