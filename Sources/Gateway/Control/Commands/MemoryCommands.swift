import Foundation

extension GatewayCommands {
    /// `dhoctl device clear-memory ADDRESS --confirm ADDRESS`: visits the meter, transfers its records and, only if
    /// that succeeded, deletes those up to the last one stored from it. Refused, saying why, for a device whose
    /// profile has no Record Access Control Point, without the confirmation, and when the transfer or the delete
    /// failed (then nothing was deleted, or the meter said what it did not do).
    func clearMemory(_ arguments: CommandArguments) async throws(ControlError) -> [String: String] {
        let address = try arguments.bluetoothAddress()
        let device = try await failing("clear memory") { try await runtime.registry.device(address: address.description) }
        guard let device else { throw ControlError("not-found", "\(address) is not provisioned on this hub") }
        guard runtime.catalog.profile(id: device.profile)?.racp == true else {
            throw ControlError("unsupported", "\(address) (\(device.profile)) has no Record Access Control Point: "
                + "its memory cannot be cleared from the hub; clear it on the device")
        }
        guard arguments.optional("confirm")?.uppercased() == address.description else {
            throw ControlError("confirmation-needed", "clearing the memory of \(address) deletes every record it holds up to "
                + "the last one stored on this hub, after transferring them; to go ahead, repeat the address: --confirm \(address)")
        }
        switch await runtime.supervisor.clearMemory(address) {
        case let .success(report)? where !report.recordsRequested:
            throw ControlError("not-cleared", "memory of \(address) not cleared: the device exposes no Record Access Control Point")
        case let .success(report)?:
            runtime.logger.notice("device memory cleared at the technician's request", metadata: ["device": "\(address)"])
            return ["address": address.description, "result": report.endedBy]
        case let .failure(error)?:
            throw ControlError("not-cleared", "memory of \(address) not cleared: \(error)")
        case nil:
            throw ControlError("not-found", "\(address) is not followed by the gateway")
        }
    }
}
