@testable import DBus
import Testing

@Suite struct SignatureAndValidationTests {
    @Test func parsesNestedSignatures() throws {
        let type = try DBusType(signature: "a{oa{sa{sv}}}")
        #expect(type == .dictionary(key: .objectPath, value: .dictionary(key: .string, value: .variantDictionary)))
        #expect(type.signature == "a{oa{sa{sv}}}")
        #expect(try DBusType.parse(signature: "") == [])
        #expect(try DBusType.parse(signature: "ay(ia{sv})v") == [
            .array(.byte), .structure([.int32, .variantDictionary]), .variant,
        ])
    }

    @Test(arguments: ["a", "a{vs}", "a{s}", "a{sss}", "()", "(i", "i)", "z", "a{sv", "{sv}",
                      String(repeating: "a", count: 33) + "y", String(repeating: "(", count: 33) + "y"
                          + String(repeating: ")", count: 33)])
    func rejectsInvalidSignatures(_ signature: String) {
        #expect(throws: DBusError.self) { try DBusType.parse(signature: signature) }
    }

    /// The signatures the message reader knows without parsing are what the parser makes of them.
    @Test func theReadersShortcutSignaturesAgreeWithTheParser() throws {
        #expect(!MessageReader.commonSignatures.isEmpty)
        for (text, type) in MessageReader.commonSignatures {
            #expect(try DBusType(signature: text) == type, "\(text)")
        }
    }

    @Test func everySampleValueKnowsItsSignature() throws {
        for value in SampleValues.all {
            try value.validate()
            #expect(try DBusType(signature: value.type.signature) == value.type)
        }
    }

    @Test func mismatchedContainersAreRefused() {
        #expect(throws: DBusError.self) { try DBusValue.array(.string, [.int32(1)]).validate() }
        #expect(throws: DBusError.self) {
            try DBusValue.dictionary(key: .string, value: .variant, [DBusDictEntry(key: .string("a"), value: .int32(1))])
                .validate()
        }
        #expect(throws: DBusError.self) { try DBusValue.dictionary(key: .variant, value: .int32, []).validate() }
        #expect(throws: DBusError.self) { try DBusValue.structure([]).validate() }
        #expect(throws: DBusError.self) { try DBusValue.string("nul\u{0}inside").validate() }
        #expect(throws: DBusError.self) { try DBusValue.signature("a{").validate() }
    }

    @Test func objectPathsAreValidated() {
        for good in ["/org/bluez/hci0", "/", "/_1"] {
            #expect(ObjectPath(good) != nil, "\(good) should be valid")
        }
        for bad in ["", "org", "/org/", "//", "/org//bluez", "/org/blu-ez", "/æ"] {
            #expect(ObjectPath(bad) == nil, "\(bad) should be invalid")
        }
        #expect(ObjectPath.root.appending("dev_AA:BB").rawValue == "/dev_AA_BB")
        #expect((ObjectPath("/org/bluez/hci0") as ObjectPath).appending("").rawValue == "/org/bluez/hci0/_")
        #expect(ObjectPath("/org/bluez/hci0").parent == ObjectPath("/org/bluez"))
        #expect(ObjectPath("/org").parent == .root)
        #expect(ObjectPath("/org/bluez/hci0/dev_1").isDescendant(of: "/org/bluez"))
        #expect(!ObjectPath("/org/bluezz").isDescendant(of: "/org/bluez"))
    }

    @Test func namesAreValidated() {
        #expect(DBusNames.isValidBusName("org.bluez"))
        #expect(DBusNames.isValidBusName(":1.42"))
        #expect(!DBusNames.isValidBusName("bluez"))
        #expect(!DBusNames.isValidBusName("org..bluez"))
        #expect(!DBusNames.isValidBusName("org.1bluez"))
        #expect(DBusNames.isValidInterface("org.bluez.Device1"))
        #expect(!DBusNames.isValidInterface("org.bluez-x.Device1"))
        #expect(DBusNames.isValidMember("StartNotify"))
        #expect(!DBusNames.isValidMember("Start.Notify"))
        #expect(!DBusNames.isValidMember("1Start"))
    }

    @Test func decodesManagedObjectsShape() throws {
        let decoded = try DBusShapes.managedObjects(SampleValues.managedObjects)
        let path: ObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"
        let device = try #require(decoded[path]?["org.bluez.Device1"])
        #expect(device["RSSI"]?.int16Value == -61)
        #expect(device["ServiceData"]?.variantDictionaryValue?["00001810-0000-1000-8000-00805f9b34fb"]?.bytesValue
            == [1, 2, 3])
        #expect(device["Empty"]?.bytesValue == [])
        #expect(DBusShapes.encode(decoded) == SampleValues.managedObjects)
        #expect(throws: DBusError.self) { try DBusShapes.managedObjects(.string("not a dictionary")) }
    }

    @Test func matchRuleTextQuotesValues() {
        let rule = MatchRule(sender: "org.bluez", interface: "org.freedesktop.DBus.Properties",
                             member: "PropertiesChanged", pathNamespace: "/org/bluez", arguments: [0: "it's"])
        #expect(rule.description == "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',"
            + "member='PropertiesChanged',path_namespace='/org/bluez',arg0='it'\\''s'")
    }
}
