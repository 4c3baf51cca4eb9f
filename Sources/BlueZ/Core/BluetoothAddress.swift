public import DBus

/// A Bluetooth device address such as `A0:9E:1A:12:34:56`, and the object-path element BlueZ derives
/// from it (`dev_A0_9E_1A_12_34_56`).
public struct BluetoothAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Parses `AA:BB:CC:DD:EE:FF` (any case, `:` or `_` or `-` as separator); nil if malformed.
    public init?(_ text: String) {
        let parts = text.split(omittingEmptySubsequences: false) { $0 == ":" || $0 == "_" || $0 == "-" }
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    /// The canonical upper-case text form.
    public var description: String {
        bytes.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    /// `dev_AA_BB_CC_DD_EE_FF`.
    public var pathElement: String { Self.pathPrefix + description.split(separator: ":").joined(separator: "_") }

    /// The device object path under `adapter`.
    public func devicePath(on adapter: ObjectPath) -> ObjectPath { adapter.appending(pathElement) }

    /// The address of the device object at `devicePath` (`/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF`); nil for a path
    /// that is not a device's (an adapter, a GATT object below a device, anything else).
    public init?(devicePath: ObjectPath) {
        guard let element = devicePath.rawValue.split(separator: "/").last, element.hasPrefix(Self.pathPrefix),
              element.count == Self.pathPrefix.count + 17
        else { return nil }
        self.init(String(element.dropFirst(Self.pathPrefix.count)))
    }

    private static let pathPrefix = "dev_"

    public static func < (lhs: BluetoothAddress, rhs: BluetoothAddress) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
