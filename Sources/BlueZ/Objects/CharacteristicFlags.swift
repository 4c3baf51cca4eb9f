/// The Flags of an org.bluez.GattCharacteristic1: what the characteristic allows (BlueZ
/// doc/org.bluez.GattCharacteristic.rst). Flag names are written here once; a flag bluetoothd adds later is ignored.
public struct CharacteristicFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let broadcast = CharacteristicFlags(rawValue: 1 << 0)
    public static let read = CharacteristicFlags(rawValue: 1 << 1)
    public static let writeWithoutResponse = CharacteristicFlags(rawValue: 1 << 2)
    public static let write = CharacteristicFlags(rawValue: 1 << 3)
    public static let notify = CharacteristicFlags(rawValue: 1 << 4)
    public static let indicate = CharacteristicFlags(rawValue: 1 << 5)
    public static let authenticatedSignedWrites = CharacteristicFlags(rawValue: 1 << 6)
    public static let extendedProperties = CharacteristicFlags(rawValue: 1 << 7)
    public static let reliableWrite = CharacteristicFlags(rawValue: 1 << 8)
    public static let writableAuxiliaries = CharacteristicFlags(rawValue: 1 << 9)
    public static let encryptRead = CharacteristicFlags(rawValue: 1 << 10)
    public static let encryptWrite = CharacteristicFlags(rawValue: 1 << 11)
    public static let encryptNotify = CharacteristicFlags(rawValue: 1 << 12)
    public static let encryptIndicate = CharacteristicFlags(rawValue: 1 << 13)
    public static let encryptAuthenticatedRead = CharacteristicFlags(rawValue: 1 << 14)
    public static let encryptAuthenticatedWrite = CharacteristicFlags(rawValue: 1 << 15)
    public static let encryptAuthenticatedNotify = CharacteristicFlags(rawValue: 1 << 16)
    public static let encryptAuthenticatedIndicate = CharacteristicFlags(rawValue: 1 << 17)
    public static let secureRead = CharacteristicFlags(rawValue: 1 << 18)
    public static let secureWrite = CharacteristicFlags(rawValue: 1 << 19)
    public static let secureNotify = CharacteristicFlags(rawValue: 1 << 20)
    public static let secureIndicate = CharacteristicFlags(rawValue: 1 << 21)
    public static let authorize = CharacteristicFlags(rawValue: 1 << 22)

    /// Either kind of write: a value can be written to the characteristic.
    public static let writable: CharacteristicFlags = [.write, .writeWithoutResponse]
    /// Either kind of update: the device can send values by itself.
    public static let updating: CharacteristicFlags = [.notify, .indicate]

    /// BlueZ's name of each flag.
    static let namedFlags: [(flag: CharacteristicFlags, name: String)] = [
        (.broadcast, "broadcast"), (.read, "read"), (.writeWithoutResponse, "write-without-response"), (.write, "write"),
        (.notify, "notify"), (.indicate, "indicate"), (.authenticatedSignedWrites, "authenticated-signed-writes"),
        (.extendedProperties, "extended-properties"), (.reliableWrite, "reliable-write"),
        (.writableAuxiliaries, "writable-auxiliaries"), (.encryptRead, "encrypt-read"), (.encryptWrite, "encrypt-write"),
        (.encryptNotify, "encrypt-notify"), (.encryptIndicate, "encrypt-indicate"),
        (.encryptAuthenticatedRead, "encrypt-authenticated-read"),
        (.encryptAuthenticatedWrite, "encrypt-authenticated-write"),
        (.encryptAuthenticatedNotify, "encrypt-authenticated-notify"),
        (.encryptAuthenticatedIndicate, "encrypt-authenticated-indicate"), (.secureRead, "secure-read"),
        (.secureWrite, "secure-write"), (.secureNotify, "secure-notify"), (.secureIndicate, "secure-indicate"),
        (.authorize, "authorize"),
    ]

    /// The flags named in `names` (BlueZ's Flags property); unknown names are ignored.
    public init(names: some Sequence<String>) {
        let known = Set(names)
        self = CharacteristicFlags(Self.namedFlags.filter { known.contains($0.name) }.map(\.flag))
    }

    /// BlueZ's names of the flags set, in BlueZ's documented order.
    public var names: [String] { Self.namedFlags.filter { contains($0.flag) }.map(\.name) }

    public var description: String { "[" + names.joined(separator: ", ") + "]" }
}
