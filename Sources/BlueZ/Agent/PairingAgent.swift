public import DBus

/// Why an agent request was not answered with a value: sent back to bluetoothd as
/// org.bluez.Error.Rejected or org.bluez.Error.Canceled.
public enum AgentError: Error, Sendable, Hashable {
    case rejected
    case canceled

    var dbusError: DBusError {
        switch self {
        case .rejected: .remote(name: BlueZErrorName.rejected.fullName, message: "Rejected by the gateway")
        case .canceled: .remote(name: BlueZErrorName.canceled.fullName, message: "Canceled")
        }
    }
}

/// The IO capability announced with RegisterAgent.
public enum AgentCapability: String, Sendable {
    case displayOnly = "DisplayOnly"
    case displayYesNo = "DisplayYesNo"
    case keyboardOnly = "KeyboardOnly"
    case noInputNoOutput = "NoInputNoOutput"
    case keyboardDisplay = "KeyboardDisplay"
}

/// Answers bluetoothd's pairing questions (org.bluez.Agent1, BlueZ doc/org.bluez.Agent.rst). The
/// gateway forwards passkey prompts to the technician's CLI; a request may take as long as a person
/// needs, and is cancelled (task cancellation plus `cancel()`) when bluetoothd gives up.
///
/// Every method has a default: questions are rejected, displays are ignored.
public protocol PairingAgent: Sendable {
    /// A glucometer shows a 6-digit passkey; return what the technician typed (0...999999).
    func requestPasskey(for device: ObjectPath) async throws(AgentError) -> UInt32
    /// Legacy PIN (1–16 characters).
    func requestPinCode(for device: ObjectPath) async throws(AgentError) -> String
    /// Show `passkey` (zero-padded to 6 digits); `entered` is how many digits the device has typed.
    func displayPasskey(_ passkey: UInt32, entered: UInt16, for device: ObjectPath) async
    func displayPinCode(_ pinCode: String, for device: ObjectPath) async throws(AgentError)
    /// Numeric comparison: return normally to confirm that both sides show `passkey`.
    func requestConfirmation(of passkey: UInt32, for device: ObjectPath) async throws(AgentError)
    /// Just-works pairing initiated by the device.
    func requestAuthorization(for device: ObjectPath) async throws(AgentError)
    func authorizeService(_ uuid: String, for device: ObjectPath) async throws(AgentError)
    /// The pending request was abandoned by bluetoothd.
    func cancel() async
    /// bluetoothd unregistered the agent.
    func release() async
}

extension PairingAgent {
    public func requestPasskey(for device: ObjectPath) async throws(AgentError) -> UInt32 { throw .rejected }
    public func requestPinCode(for device: ObjectPath) async throws(AgentError) -> String { throw .rejected }
    public func displayPasskey(_ passkey: UInt32, entered: UInt16, for device: ObjectPath) async {}
    public func displayPinCode(_ pinCode: String, for device: ObjectPath) async throws(AgentError) {}
    public func requestConfirmation(of passkey: UInt32, for device: ObjectPath) async throws(AgentError) {
        throw .rejected
    }
    public func requestAuthorization(for device: ObjectPath) async throws(AgentError) { throw .rejected }
    public func authorizeService(_ uuid: String, for device: ObjectPath) async throws(AgentError) { throw .rejected }
    public func cancel() async {}
    public func release() async {}
}
