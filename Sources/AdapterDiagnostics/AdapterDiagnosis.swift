/// What stands between the hub and its Bluetooth adapter, seen from the kernel rather than from bluetoothd,
/// with what to do about each problem. `dhoctl doctor` and `dhoctl status` show it; it runs in dhoctl (the
/// technician's process), never in the sandboxed daemon.
public struct AdapterDiagnosis: Sendable, Codable, Equatable {
    /// The adapter the gateway is configured to use (`bluetooth.adapter`).
    public var adapter: String
    public var kernelSupport: Bool
    public var controllers: [Controller]
    public var radioSwitches: [RadioSwitch]
    /// Each problem says what is wrong and how to fix it; empty when the adapter is usable.
    public var problems: [String]

    public var isUsable: Bool { problems.isEmpty }

    /// Judges what was read. Pure, so every case is testable without the hardware.
    public static func judge(adapter: String, controllers: Result<[Controller], ControllerQueryError>,
                             radioSwitches: [RadioSwitch]) -> AdapterDiagnosis {
        var diagnosis = AdapterDiagnosis(adapter: adapter, kernelSupport: true, controllers: [], radioSwitches: radioSwitches,
                                         problems: [])
        switch controllers {
        case .failure(.noKernelSupport):
            diagnosis.kernelSupport = false
            diagnosis.problems.append("the kernel has no Bluetooth support: load the module (modprobe bluetooth) or use a kernel built with CONFIG_BT")
            return diagnosis
        case .failure(.notPermitted):
            diagnosis.problems.append("not allowed to list Bluetooth controllers: run dhoctl as root")
            return diagnosis
        case let .failure(.failed(code)):
            diagnosis.problems.append("listing Bluetooth controllers failed (errno \(code))")
            return diagnosis
        case let .success(list):
            diagnosis.controllers = list
        }
        for radio in radioSwitches where radio.hardBlocked {
            diagnosis.problems.append("Bluetooth is switched off by a hardware switch or the firmware (rfkill \(radio.name) hard-blocked): turn the switch on")
        }
        for radio in radioSwitches where radio.softBlocked && !radio.hardBlocked {
            diagnosis.problems.append("Bluetooth is blocked in software (rfkill \(radio.name) soft-blocked): rfkill unblock bluetooth")
        }
        guard let controller = diagnosis.controllers.first(where: { $0.name == adapter }) else {
            let others = diagnosis.controllers.map(\.name)
            diagnosis.problems.append(others.isEmpty
                ? "no Bluetooth controller: plug the adapter in (lsusb should list it) and check dmesg for firmware errors"
                : "no controller \(adapter) (the kernel has \(others.joined(separator: ", "))): set bluetooth.adapter in gateway.yaml")
            return diagnosis
        }
        if !controller.lowEnergy {
            diagnosis.problems.append("\(adapter) does not support Bluetooth Low Energy: health devices need a Bluetooth 4.0 or later adapter")
        }
        if !controller.up, !radioSwitches.contains(where: { $0.softBlocked || $0.hardBlocked }) {
            diagnosis.problems.append("\(adapter) is down: bluetoothd brings it up (systemctl status bluetooth); by hand: btmgmt --index \(adapter) power on")
        }
        return diagnosis
    }

    /// This hub's adapter as the kernel sees it now.
    public static func current(adapter: String, sysfs: String = "/sys") -> AdapterDiagnosis {
        judge(adapter: adapter, controllers: ControllerList.read(), radioSwitches: RadioSwitch.read(sysfs: sysfs))
    }

    /// One line for `dhoctl status` and the detail of `dhoctl doctor`.
    public var summary: String {
        if let problem = problems.first { return problems.count > 1 ? problem + " (and \(problems.count - 1) more)" : problem }
        guard let controller = controllers.first(where: { $0.name == adapter }) else { return "\(adapter): not found" }
        return "\(controller.name) \(controller.address) (\(controller.bus)), \(controller.up ? "up" : "down"), Low Energy"
    }
}
