import CBluetoothHCI
import Glibc

/// A Bluetooth controller as the kernel knows it, read with HCI ioctls through libbluetooth (no HCI traffic,
/// no bluetoothd): what a technician needs when bluetoothd cannot see an adapter.
public struct Controller: Sendable, Codable, Equatable {
    /// `hci0`, `hci1`, …
    public var name: String
    public var address: String
    /// How it is attached: `USB`, `UART`, `SDIO`, `VIRTUAL`, …
    public var bus: String
    /// Brought up (HCI_UP): bluetoothd powers controllers up.
    public var up: Bool
    public var running: Bool
    /// Supports Bluetooth Low Energy (every health device here needs it: a 4.0 or later controller).
    public var lowEnergy: Bool

    public init(name: String, address: String, bus: String, up: Bool, running: Bool, lowEnergy: Bool) {
        self.name = name
        self.address = address
        self.bus = bus
        self.up = up
        self.running = running
        self.lowEnergy = lowEnergy
    }
}

/// Why the kernel's controller list could not be read.
public enum ControllerQueryError: Error, Sendable, Equatable {
    /// The kernel has no Bluetooth (no `bluetooth` module, or built without CONFIG_BT).
    case noKernelSupport
    case notPermitted
    case failed(errno: Int32)
}

public enum ControllerList {
    /// The controllers the kernel has now.
    public static func read() -> Result<[Controller], ControllerQueryError> {
        let capacity = 16
        var infos = [hci_dev_info](repeating: hci_dev_info(), count: capacity)
        let count = infos.withUnsafeMutableBufferPointer { buffer in dho_hci_devices(buffer.baseAddress, Int32(capacity)) }
        if count < 0 {
            switch -count {
            case EAFNOSUPPORT, EPROTONOSUPPORT: return .failure(.noKernelSupport)
            case EPERM, EACCES: return .failure(.notPermitted)
            default: return .failure(.failed(errno: -count))
            }
        }
        return .success(infos.prefix(Int(count)).map(controller))
    }

    private static func controller(_ info: hci_dev_info) -> Controller {
        var info = info
        let name = withUnsafeBytes(of: &info.name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        var text = [CChar](repeating: 0, count: 18)
        var address = info.bdaddr
        _ = ba2str(&address, &text)
        let bus = hci_bustostr(dho_hci_bus(&info)).map { String(cString: $0) } ?? "unknown"
        return Controller(
            name: name, address: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
            bus: bus, up: dho_hci_is_up(&info) != 0, running: dho_hci_is_running(&info) != 0,
            lowEnergy: dho_hci_supports_le(&info) != 0)
    }
}
