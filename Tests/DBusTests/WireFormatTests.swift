import DBus
import Testing

/// Messages as wire bytes without a bus (what dho-fuzz drives), and the values libdbus would abort on: each of
/// these reached libdbus before validation checked declared types and nesting (found by the dbus-message fuzz
/// target; the crashing inputs are kept in Tests/Fuzz/corpus/dbus-message/regression-*).
@Suite struct WireFormatTests {
    static func encode(_ values: [DBusValue]) throws(DBusError) -> [UInt8] {
        try DBusWireFormat.encodeSignal(path: "/no/dho/test", interface: "no.dho.Test", member: "Values", arguments: values)
    }

    @Test func valuesGoThroughTheWireUnchanged() throws {
        for value in SampleValues.all {
            #expect(try DBusWireFormat.decodeArguments(try Self.encode([value])) == [value], "\(value.type)")
        }
        #expect(try DBusWireFormat.decodeArguments(try Self.encode(SampleValues.all)) == SampleValues.all)
    }

    @Test func bytesThatAreNoMessageAreATypedError() throws {
        var wire = try Self.encode([.string("hello")])
        #expect(throws: DBusError.self) { try DBusWireFormat.decodeArguments([]) }
        #expect(throws: DBusError.self) { try DBusWireFormat.decodeArguments(Array(wire.dropLast())) }
        wire[wire.count - 2] = 0xFF  // a byte of the string: no longer UTF-8
        #expect(throws: DBusError.self) { try DBusWireFormat.decodeArguments(wire) }
    }

    @Test(arguments: [
        // Declared types that are no D-Bus types, in containers without elements (nothing else to check).
        DBusValue.array(.structure([]), []),
        .dictionary(key: .string, value: .structure([]), []),
        .array(.dictionary(key: .variant, value: .byte), []),
        .variant(.array(.structure([]), [])),
        .array(nested(.array(.byte), 33), []),
    ])
    func invalidDeclaredTypesAreRefusedBeforeLibdbus(_ value: DBusValue) {
        #expect(throws: DBusError.self) { try value.validate() }
        #expect(throws: DBusError.self) { try Self.encode([value]) }
    }

    @Test func nestingIsLimitedLikeLibdbusDoes() throws {
        func variants(_ count: Int) -> DBusValue {
            (0..<count).reduce(DBusValue.byte(1)) { inner, _ in .variant(inner) }
        }
        #expect(try DBusWireFormat.decodeArguments(try Self.encode([variants(64)])) == [variants(64)])
        #expect(throws: DBusError.self) { try variants(65).validate() }
        // A body signature longer than 255 bytes.
        #expect(throws: DBusError.self) { try Self.encode(Array(repeating: .string("x"), count: 256)) }
    }

    static func nested(_ type: DBusType, _ depth: Int) -> DBusType {
        (0..<depth).reduce(type) { inner, _ in .array(inner) }
    }
}
