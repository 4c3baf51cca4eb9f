import DBus
import Synchronization
import TestSupport
import Testing

@Suite struct ObjectServerTests {
    static let device: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"

    final class CallLog: Sendable {
        let members = Mutex<[String]>([])
        func append(_ member: String) { members.withLock { $0.append(member) } }
        var all: [String] { members.withLock { $0 } }
    }

    func makeServer(_ connection: DBusConnection) -> (DBusObjectServer, CallLog) {
        let server = DBusObjectServer(connection: connection)
        let calls = CallLog()
        server.add("/org/bluez/hci0", interfaces: [.init(name: "org.bluez.Adapter1", properties: [
            "Powered": .boolean(false), "Address": .string("00:11:22:33:44:55"),
        ], setProperty: { [weak server] name, value, _ in
            server?.setProperty("/org/bluez/hci0", interface: "org.bluez.Adapter1", name, value)
            return .reply([])
        })])
        server.add(Self.device, interfaces: [.init(name: "org.bluez.Device1", properties: [
            "Connected": .boolean(false), "RSSI": .int16(-70),
        ], methods: { call in
            calls.append(call.member)
            return call.member == "Connect" ? .deferred { [] } : .error(.unknownMethod(call.member))
        })])
        return (server, calls)
    }

    @Test func propertiesGetGetAllAndSet() async throws {
        let fixture = try await BusFixture.start()
        let serving = try await fixture.connect()
        let client = try await fixture.connect()
        let (server, _) = makeServer(serving)
        let name = serving.uniqueName
        let properties = DBusObjectServer.propertiesInterface

        let powered = try await client.call(destination: name, path: "/org/bluez/hci0", interface: properties,
                                            member: "Get", arguments: [.string("org.bluez.Adapter1"), .string("Powered")])
        #expect(powered == [.variant(.boolean(false))])
        let all = try await client.call(destination: name, path: "/org/bluez/hci0", interface: properties,
                                        member: "GetAll", arguments: [.string("org.bluez.Adapter1")])
        #expect(all.first?.variantDictionaryValue == ["Powered": .boolean(false), "Address": .string("00:11:22:33:44:55")])

        let changes = StreamProbe(try await client.signals(matching: MatchRule(
            sender: name, interface: properties, member: "PropertiesChanged", path: "/org/bluez/hci0")))
        _ = try await client.call(destination: name, path: "/org/bluez/hci0", interface: properties, member: "Set",
                                  arguments: [.string("org.bluez.Adapter1"), .string("Powered"), .variant(.boolean(true))])
        let changed = try #require(try await changes.next(within: .seconds(10), "PropertiesChanged"))
        #expect(changed.arguments == [.string("org.bluez.Adapter1"), .variantDictionary(["Powered": .boolean(true)]),
                                      .strings([])])
        #expect(server.property("/org/bluez/hci0", interface: "org.bluez.Adapter1", "Powered") == .boolean(true))

        // Read-only, unknown and mistyped properties are refused with the standard errors.
        for (path, arguments, expected) in [
            (Self.device, [DBusValue.string("org.bluez.Device1"), .string("RSSI"), .variant(.int16(1))],
             StandardErrors.propertyReadOnly),
            (ObjectPath("/org/bluez/hci0"), [.string("org.bluez.Adapter1"), .string("Nope"), .variant(.int16(1))],
             StandardErrors.unknownProperty),
            (ObjectPath("/org/bluez/hci0"), [.string("org.bluez.Adapter1"), .string("Powered"), .variant(.string("yes"))],
             StandardErrors.invalidArgs),
        ] {
            await #expect {
                _ = try await client.call(destination: name, path: path, interface: properties, member: "Set",
                                          arguments: arguments)
            } throws: { ($0 as? DBusError)?.remoteName == expected }
        }
    }

    @Test func objectManagerAnnouncesAddedAndRemovedObjects() async throws {
        let fixture = try await BusFixture.start()
        let serving = try await fixture.connect()
        let client = try await fixture.connect()
        let (server, calls) = makeServer(serving)
        let name = serving.uniqueName
        try await serving.flush()  // the initial objects' InterfacesAdded must not reach the subscription
        let stream = try await client.signals(matching: MatchRule(
            sender: name, interface: DBusObjectServer.objectManagerInterface, path: .root))
        let signals = StreamProbe(stream)

        let reply = try await client.call(destination: name, path: .root,
                                          interface: DBusObjectServer.objectManagerInterface, member: "GetManagedObjects")
        let managed = try DBusShapes.managedObjects(try reply.argument(0, "objects"))
        #expect(Set(managed.keys) == [ObjectPath("/org/bluez/hci0"), Self.device])
        #expect(managed[Self.device]?["org.bluez.Device1"]?["RSSI"] == .int16(-70))

        let service: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF/service000c"
        server.add(service, interfaces: [.init(name: "org.bluez.GattService1", properties: [
            "UUID": .string("00001810-0000-1000-8000-00805f9b34fb"), "Primary": .boolean(true),
        ])])
        let added = try #require(try await signals.next(within: .seconds(10), "InterfacesAdded"))
        #expect(added.member == "InterfacesAdded")
        #expect(added.arguments.first == .objectPath(service))
        #expect(try DBusShapes.interfaceProperties(added.arguments[1])["org.bluez.GattService1"]?["Primary"]
            == .boolean(true))

        server.removeSubtree(Self.device)
        let first = try #require(try await signals.next(within: .seconds(10), "InterfacesRemoved"))
        let second = try #require(try await signals.next(within: .seconds(10), "InterfacesRemoved"))
        #expect(first.arguments == [.objectPath(service), .strings(["org.bluez.GattService1"])])
        #expect(second.arguments == [.objectPath(Self.device), .strings(["org.bluez.Device1"])])

        await #expect {
            _ = try await client.call(destination: name, path: Self.device, interface: "org.bluez.Device1",
                                      member: "Connect")
        } throws: { ($0 as? DBusError)?.remoteName == StandardErrors.unknownObject }
        #expect(calls.all.isEmpty)
    }

    @Test func methodsReachTheInterfaceHandler() async throws {
        let fixture = try await BusFixture.start()
        let serving = try await fixture.connect()
        let client = try await fixture.connect()
        let (server, calls) = makeServer(serving)
        defer { withExtendedLifetime(server) {} }
        _ = try await client.call(destination: serving.uniqueName, path: Self.device, interface: "org.bluez.Device1",
                                  member: "Connect")
        await #expect {
            _ = try await client.call(destination: serving.uniqueName, path: Self.device, interface: "org.bluez.Device1",
                                      member: "Fly")
        } throws: { ($0 as? DBusError)?.remoteName == StandardErrors.unknownMethod }
        await #expect {
            _ = try await client.call(destination: serving.uniqueName, path: Self.device, interface: "org.bluez.Nope1",
                                      member: "Connect")
        } throws: { ($0 as? DBusError)?.remoteName == StandardErrors.unknownInterface }
        #expect(calls.all == ["Connect", "Fly"])
        let xml = try await client.call(destination: serving.uniqueName, path: "/org/bluez/hci0",
                                        interface: DBusObjectServer.introspectableInterface, member: "Introspect")
        let text = try #require(xml.first?.stringValue)
        #expect(text.contains("<interface name=\"org.bluez.Adapter1\">"))
        #expect(text.contains("<node name=\"dev_AA_BB_CC_DD_EE_FF\"/>"))
    }
}
