import DBus
import TestSupport

/// A private bus with helpers to open connections on it; every test makes its own.
struct BusFixture {
    let bus: PrivateBus

    static func start() async throws -> BusFixture {
        BusFixture(bus: try await PrivateBus.start())
    }

    func connect() async throws -> DBusConnection {
        try await DBusConnection.connect(to: .address(bus.address))
    }
}

/// Everything that can go through the bus, with the awkward cases: empty containers, nesting, extremes.
enum SampleValues {
    static let managedObjects: DBusValue = DBusShapes.encode([
        ObjectPath("/org/bluez/hci0"): [
            "org.bluez.Adapter1": ["Address": .string("00:11:22:33:44:55"), "Powered": .boolean(true)],
            "org.freedesktop.DBus.Properties": [:],
        ],
        ObjectPath("/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"): [
            "org.bluez.Device1": [
                "RSSI": .int16(-61),
                "UUIDs": .strings(["00001810-0000-1000-8000-00805f9b34fb"]),
                "ServiceData": .variantDictionary(["00001810-0000-1000-8000-00805f9b34fb": .bytes([1, 2, 3])]),
                "ManufacturerData": .dictionary(key: .uint16, value: .variant, [
                    DBusDictEntry(key: .uint16(0x0157), value: .variant(.bytes([0xDE, 0xAD]))),
                ]),
                "Empty": .bytes([]),
            ],
        ],
    ])

    static let all: [DBusValue] = [
        .byte(0), .byte(255), .boolean(true), .boolean(false),
        .int16(.min), .int16(.max), .uint16(.max), .int32(.min), .int32(.max), .uint32(.max),
        .int64(.min), .int64(.max), .uint64(.max), .double(-1.5e300), .double(.infinity),
        .string(""), .string("Blodtrykk 138/88 – æøå ✓"), .objectPath(.root),
        .objectPath("/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF/service000c/char000d"),
        .signature("a{oa{sa{sv}}}"), .signature(""),
        .bytes([]), .bytes([0x1E, 0x8A, 0x00, 0x58, 0x00]), .bytes((0..<512).map { UInt8($0 % 256) }),
        .strings([]), .strings(["a", "b"]),
        .array(.array(.byte), []), .array(.array(.byte), [.bytes([1]), .bytes([])]),
        .variantDictionary([:]), .variantDictionary(["type": .string("request"), "offset": .uint16(0)]),
        .dictionary(key: .objectPath, value: .dictionary(key: .string, value: .variantDictionary), []),
        managedObjects,
        .structure([.int32(1), .string("x"), .variant(.variant(.bytes([9])))]),
        .array(.structure([.string, .variant]), [.structure([.string("k"), .variant(.uint32(7))])]),
        .variant(.array(.variantDictionary, [.variantDictionary([:])])),
        .dictionary(key: .int64, value: .boolean, [DBusDictEntry(key: .int64(-1), value: .boolean(true))]),
    ]
}
