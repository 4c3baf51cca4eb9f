public import BlueZ
public import DBus
import Foundation

/// The gateway's Bluetooth pairing agent. bluetoothd asks it for passkeys and confirmations; it relays them
/// to the technician who started `dhoctl pair` for that device, and to nobody else.
///
/// Without a technician waiting, passkey and PIN requests are rejected (nothing may need the patient's
/// action), while a device that is already provisioned may re-pair "just works" on its own: some meters start
/// pairing mid-transfer when the link is not encrypted yet, and refusing would lose the transfer.
public actor PairingCoordinator: PairingAgent {
    public struct Technician: Sendable {
        public var session: ControlSession
        public var requestID: Int
    }

    private var waiting: [ObjectPath: Technician] = [:]
    private let isProvisioned: @Sendable (BluetoothAddress) async -> Bool

    public init(isProvisioned: @escaping @Sendable (BluetoothAddress) async -> Bool) {
        self.isProvisioned = isProvisioned
    }

    /// A technician is pairing `device`: relay its questions to them until `pairingEnded`.
    public func pairingStarted(_ device: ObjectPath, by technician: Technician) { waiting[device] = technician }
    public func pairingEnded(_ device: ObjectPath) { waiting[device] = nil }

    public func requestPasskey(for device: ObjectPath) async throws(AgentError) -> UInt32 {
        guard let technician = waiting[device] else { throw .rejected }
        let answer = await technician.session.prompt(
            id: technician.requestID, kind: .passkey, message: "Enter the 6-digit passkey shown on the device")
        guard let answer else { throw .canceled }
        let digits = answer.trimmingCharacters(in: .whitespaces)
        guard digits.count <= 6, digits.allSatisfy(\.isASCII), let value = UInt32(digits), value <= 999_999 else {
            throw .rejected
        }
        return value
    }

    public func requestPinCode(for device: ObjectPath) async throws(AgentError) -> String {
        guard let technician = waiting[device] else { throw .rejected }
        let answer = await technician.session.prompt(
            id: technician.requestID, kind: .passkey, message: "Enter the PIN code of the device")
        guard let answer, (1...16).contains(answer.count) else { throw .canceled }
        return answer
    }

    public func displayPasskey(_ passkey: UInt32, entered: UInt16, for device: ObjectPath) async {
        guard let technician = waiting[device] else { return }
        let text = String(format: "%06u", passkey)
        technician.session.progress(id: technician.requestID, message: "Type \(text) on the device (\(entered) digits entered)")
    }

    public func displayPinCode(_ pinCode: String, for device: ObjectPath) async throws(AgentError) {
        guard let technician = waiting[device] else { throw .rejected }
        technician.session.progress(id: technician.requestID, message: "Type PIN \(pinCode) on the device")
    }

    public func requestConfirmation(of passkey: UInt32, for device: ObjectPath) async throws(AgentError) {
        guard let technician = waiting[device] else { throw .rejected }
        let answer = await technician.session.prompt(
            id: technician.requestID, kind: .confirmation,
            message: "Does the device show \(String(format: "%06u", passkey))? (yes/no)")
        guard let answer else { throw .canceled }
        guard ["y", "yes", "j", "ja"].contains(answer.lowercased().trimmingCharacters(in: .whitespaces)) else {
            throw .rejected
        }
    }

    public func requestAuthorization(for device: ObjectPath) async throws(AgentError) {
        if waiting[device] != nil { return }
        guard await isProvisionedDevice(device) else { throw .rejected }
    }

    public func authorizeService(_ uuid: String, for device: ObjectPath) async throws(AgentError) {
        if waiting[device] != nil { return }
        guard await isProvisionedDevice(device) else { throw .rejected }
    }

    /// Whether bluetoothd's object `device` is a provisioned device (a path that names no device is not).
    private func isProvisionedDevice(_ device: ObjectPath) async -> Bool {
        guard let address = BluetoothAddress(devicePath: device) else { return false }
        return await isProvisioned(address)
    }

    public func cancel() async {
        for technician in waiting.values {
            technician.session.progress(id: technician.requestID, message: "The device cancelled pairing")
        }
    }
}
