import BlueZ
import DBus
import Foundation
import HealthProfiles

/// The D-Bus layer as bluetoothd (or anything else on the system bus) can drive it.
///
/// The first input byte chooses the mode:
/// - even: the rest is a message in wire format. libdbus validates it as it does for bus traffic; what it accepts,
///   `MessageReader` must read (or refuse with a typed error), the BlueZ shapes must interpret without trapping,
///   and the values must be re-sendable unchanged (the simulator and the agent echo values they received).
/// - odd: the rest steers a generator of arbitrary typed values (any signature, valid or not, in containers of
///   any declared type). `DBusValue.validate` must refuse what libdbus cannot marshal, because libdbus aborts
///   the process instead of failing; what it accepts must go through the wire and read back equal.
enum DBusMessageTarget {
    static func run(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        if mode % 2 == 0 {
            readWireMessage(Array(input.dropFirst()))
        } else {
            var source = FuzzBytes(Array(input.dropFirst()))
            var values: [DBusValue] = []
            for _ in 0..<(1 + Int(source.next() % 3)) {
                let type = source.type(depth: 0)
                if let value = source.value(of: type, depth: 0) { values.append(value) }
            }
            checkRoundTrip(values)
        }
    }

    static func readWireMessage(_ bytes: [UInt8]) {
        let values: [DBusValue]
        do { values = try DBusWireFormat.decodeArguments(bytes) } catch {
            _ = error.description
            return
        }
        for value in values {
            _ = value.description.count
            if let objects = try? DBusShapes.managedObjects(value) {
                for interfaces in objects.values { interpret(interfaces) }
            }
            if let interfaces = try? DBusShapes.interfaceProperties(value) { interpret(interfaces) }
            if let properties = value.variantDictionaryValue { interpret(changed: properties) }
            _ = value.bytesValue
            _ = value.stringsValue
            _ = value.objectPathsValue
        }
        checkRoundTrip(values, mustEncode: true)
    }

    /// The typed reading of an object's interfaces, as the mirror announces a new object.
    private static func interpret(_ interfaces: DBusShapes.InterfaceProperties) {
        _ = BlueZEvent.decode(.interfacesAdded(fuzzPath, interfaces))
        for properties in interfaces.values {
            _ = DeviceProperties(properties)
            _ = AdapterProperties(properties)
            _ = CharacteristicProperties(properties)
        }
    }

    /// The typed reading of a PropertiesChanged of each interface the gateway follows.
    private static func interpret(changed properties: [String: DBusValue]) {
        _ = DeviceProperties(properties)
        for interface in [BlueZNames.adapter, BlueZNames.device, BlueZNames.gattCharacteristic, BlueZNames.battery] {
            _ = BlueZEvent.decode(.propertiesChanged(fuzzPath, interface: interface, changed: properties, invalidated: []))
        }
    }

    private static let fuzzPath: ObjectPath = "/org/bluez/hci0/dev_A0_9E_1A_00_00_01"

    private static func checkRoundTrip(_ values: [DBusValue], mustEncode: Bool = false) {
        let wire: [UInt8]
        do {
            wire = try DBusWireFormat.encodeSignal(path: "/no/dho/fuzz", interface: "no.dho.Fuzz", member: "Value", arguments: values)
        } catch {
            if mustEncode { violated("values read from a valid message cannot be sent again: \(error)") }
            return
        }
        let back: [DBusValue]
        do { back = try DBusWireFormat.decodeArguments(wire) } catch {
            violated("validated values marshal to a message libdbus refuses: \(error)")
        }
        guard back == values else { violated("values do not read back equal: \(values) -> \(back)") }
    }

    // MARK: Seeds

    /// Marshalled messages of the shapes bluetoothd sends (GetManagedObjects, InterfacesAdded, PropertiesChanged
    /// with a Value), written with a leading even mode byte, plus generator seeds. Run by Tests/Fuzz/make-corpus.py.
    static func writeSeeds(to directory: String) {
        let device: [String: DBusValue] = [
            "Address": .string("A0:9E:1A:00:00:01"), "Name": .string("UA-651BLE"), "Paired": .boolean(true),
            "Connected": .boolean(false), "RSSI": .int16(-60), "UUIDs": .strings(["00001810-0000-1000-8000-00805f9b34fb"]),
            "Adapter": .objectPath("/org/bluez/hci0"),
            "ServiceData": .variantDictionary(["0000181d-0000-1000-8000-00805f9b34fb": .bytes([0x01, 0x02])]),
            "ManufacturerData": .dictionary(key: .uint16, value: .variant, [DBusDictEntry(key: .uint16(0x0069), value: .variant(.bytes([0x01])))]),
        ]
        let characteristic: [String: DBusValue] = [
            "UUID": .string("00002a35-0000-1000-8000-00805f9b34fb"), "Service": .objectPath("/org/bluez/hci0/dev_A0_9E_1A_00_00_01/service0001"),
            "Flags": .strings(["indicate"]), "Value": .bytes([]), "Notifying": .boolean(true),
        ]
        let devicePath: ObjectPath = "/org/bluez/hci0/dev_A0_9E_1A_00_00_01"
        let messages: [(String, [DBusValue])] = [
            ("managed-objects", [DBusShapes.encode([
                "/org/bluez/hci0": ["org.bluez.Adapter1": ["Powered": .boolean(true), "Discovering": .boolean(false)]],
                devicePath: ["org.bluez.Device1": device, "org.bluez.Battery1": ["Percentage": .byte(80)]],
                "/org/bluez/hci0/dev_A0_9E_1A_00_00_01/service0001/char0002": ["org.bluez.GattCharacteristic1": characteristic],
            ])]),
            ("interfaces-added", [.objectPath(devicePath), DBusShapes.encode(["org.bluez.Device1": device])]),
            ("properties-changed-value", [
                .string("org.bluez.GattCharacteristic1"),
                .variantDictionary(["Value": .bytes([0x1E, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00, 0xE8, 0x07, 0x04, 0x11, 0x14, 0x29, 0x3B, 0x3C, 0x00, 0x01, 0x00, 0x00])]),
                .strings([]),
            ]),
            ("properties-changed-wrong-types", [
                .string("org.bluez.Device1"),
                .variantDictionary(["Connected": .string("yes"), "RSSI": .uint32(7), "UUIDs": .array(.int32, [.int32(1)])]),
                .strings(["Name"]),
            ]),
            ("nested-containers", [.structure([.variant(.variant(.array(.structure([.int32, .string]), [.structure([.int32(1), .string("a")])]))), .signature("a{sv}")])]),
        ]
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (name, arguments) in messages {
                let wire = try DBusWireFormat.encodeSignal(path: "/org/bluez", interface: "org.freedesktop.DBus.Properties",
                                                           member: "PropertiesChanged", arguments: arguments)
                try Data([0] + wire).write(to: URL(fileURLWithPath: "\(directory)/wire-\(name)"))
            }
            // Generator seeds: a mode byte, then bytes steering types and values.
            for (index, steering) in [[1, 2, 15, 9, 3, 65, 66, 67], [1, 1, 16, 9, 19, 2, 4, 5], [1, 0, 17, 3, 0, 6, 9, 10, 11]].enumerated() {
                try Data(steering.map(UInt8.init)).write(to: URL(fileURLWithPath: "\(directory)/generated-\(index)"))
            }
        } catch {
            FileHandle.standardError.write(Data("dho-fuzz: cannot write seeds: \(error)\n".utf8))
            exit(1)
        }
        print("wrote \(messages.count + 3) seeds to \(directory)")
    }
}

/// Turns fuzz bytes into D-Bus types and values; runs out gracefully (zeros) when the input ends.
struct FuzzBytes {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func text() -> String {
        let count = Int(next() % 12)
        return String(decoding: (0..<count).map { _ in next() }, as: UTF8.self)
    }

    /// Any type, including ones D-Bus forbids (empty structures, container keys, nesting past the limits).
    mutating func type(depth: Int) -> DBusType {
        let basics: [DBusType] = [.byte, .boolean, .int16, .uint16, .int32, .uint32, .int64, .uint64, .double, .string,
                                  .objectPath, .signature, .unixFD, .variant]
        let code = Int(next() % 20)
        if code < basics.count || depth > 70 { return basics[code % basics.count] }
        switch code {
        case 14, 15: return .array(type(depth: depth + 1))
        case 16: return .dictionary(key: type(depth: depth + 1), value: type(depth: depth + 1))
        default: return .structure((0..<Int(next() % 4)).map { _ in type(depth: depth + 1) })
        }
    }

    /// A value of `type` (nil when the type has no values, such as `h`). Containers mostly hold their declared
    /// type; now and then an element of another type slips in, which validation must catch.
    mutating func value(of type: DBusType, depth: Int) -> DBusValue? {
        switch type {
        case .byte: return .byte(next())
        case .boolean: return .boolean(next() % 2 == 1)
        case .int16: return .int16(Int16(truncatingIfNeeded: Int(next()) << 8 | Int(next())))
        case .uint16: return .uint16(UInt16(next()) << 8 | UInt16(next()))
        case .int32: return .int32(Int32(truncatingIfNeeded: Int(next()) << 24 | Int(next())))
        case .uint32: return .uint32(UInt32(next()) << 24 | UInt32(next()))
        case .int64: return .int64(Int64(truncatingIfNeeded: UInt64(next()) << 56 | UInt64(next())))
        case .uint64: return .uint64(UInt64(next()) << 56 | UInt64(next()))
        case .double:
            let number = Double(bitPattern: UInt64(next()) << 56 | UInt64(next()) << 48 | UInt64(next()))
            return .double(number.isNaN ? 0 : number)  // NaN is never equal to itself: the round trip compares values
        case .string: return .string(text())
        case .objectPath: return .objectPath(ObjectPath("/" + text()) ?? .root)
        case .signature: return .signature(text())
        case .unixFD: return nil
        case .variant:
            guard depth < 80 else { return .variant(.byte(0)) }
            let inner = self.type(depth: depth + 1)
            return value(of: inner, depth: depth + 1).map { .variant($0) }
        case let .array(element):
            var items: [DBusValue] = []
            for _ in 0..<Int(next() % 5) {
                let itemType = next() == 0xFF ? self.type(depth: depth + 1) : element
                if let item = value(of: itemType, depth: depth + 1) { items.append(item) }
            }
            return .array(element, items)
        case let .dictionary(key, valueType):
            var entries: [DBusDictEntry] = []
            for _ in 0..<Int(next() % 4) {
                guard let entryKey = value(of: key, depth: depth + 1), let entryValue = value(of: valueType, depth: depth + 1)
                else { continue }
                entries.append(DBusDictEntry(key: entryKey, value: entryValue))
            }
            return .dictionary(key: key, value: valueType, entries)
        case let .structure(fields):
            var values: [DBusValue] = []
            for field in fields {
                guard let value = value(of: field, depth: depth + 1) else { return nil }
                values.append(value)
            }
            return .structure(values)
        }
    }
}
