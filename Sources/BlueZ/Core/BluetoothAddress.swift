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
    public var pathElement: String { "dev_" + description.split(separator: ":").joined(separator: "_") }

    /// The device object path under `adapter`.
    public func devicePath(on adapter: ObjectPath) -> ObjectPath { adapter.appending(pathElement) }

    public static func < (lhs: BluetoothAddress, rhs: BluetoothAddress) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
