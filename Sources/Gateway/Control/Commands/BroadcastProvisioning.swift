import BlueZ
import Foundation

extension GatewayCommands {
    /// Provisions a broadcast-only device (`transport: broadcast`) by its address: nothing is paired, bonded or
    /// trusted (the device never accepts a connection), and it need not be in range — a scale broadcasts only while
    /// someone stands on it, and the hub scans for such devices only once one is provisioned.
    func provisionBroadcastDevice(_ address: BluetoothAddress, profile: String, name: String?, arguments: CommandArguments,
                                  technician: String) async throws(ControlError) -> PairResult {
        for option in ["user", "consent", "renew"] where arguments.optional(option) != nil || arguments.flag(option) {
            throw .badArguments("--\(option) does not apply to \(profile): a broadcast device has no users nor bond")
        }
        try await failing("provisioning") {
            try await runtime.registry.provision(
                address: address.description, profile: profile, name: name,
                memoryIsPatients: arguments.flag("memory-is-patients"), by: technician, at: Date())
        }
        await runtime.supervisor.reloadDevices()
        runtime.logger.notice("broadcast device provisioned (not paired)", metadata: ["device": "\(address)", "profile": "\(profile)"])
        return PairResult(address: address.description, profile: profile, name: name, bonded: false)
    }

    /// The profile `pair` was given with `--profile`, when it is a broadcast one.
    func requestedBroadcastProfile(_ arguments: CommandArguments) -> String? {
        guard let requested = arguments.optional("profile"), runtime.catalog.profile(id: requested)?.broadcast != nil else { return nil }
        return requested
    }
}
