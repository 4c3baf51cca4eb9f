/// Typed access to values read off the bus. Accessors look through variants, so `.variant(.string("x"))`
/// answers `stringValue == "x"`, which is what property dictionaries need.
extension DBusValue {
    /// The value inside any number of variant wrappers.
    public var unwrapped: DBusValue {
        var current = self
        while case .variant(let inner) = current { current = inner }
        return current
    }

    public var byteValue: UInt8? { if case .byte(let v) = unwrapped { v } else { nil } }
    public var boolValue: Bool? { if case .boolean(let v) = unwrapped { v } else { nil } }
    public var int16Value: Int16? { if case .int16(let v) = unwrapped { v } else { nil } }
    public var uint16Value: UInt16? { if case .uint16(let v) = unwrapped { v } else { nil } }
    public var int32Value: Int32? { if case .int32(let v) = unwrapped { v } else { nil } }
    public var uint32Value: UInt32? { if case .uint32(let v) = unwrapped { v } else { nil } }
    public var int64Value: Int64? { if case .int64(let v) = unwrapped { v } else { nil } }
    public var uint64Value: UInt64? { if case .uint64(let v) = unwrapped { v } else { nil } }
    public var doubleValue: Double? { if case .double(let v) = unwrapped { v } else { nil } }
    public var stringValue: String? { if case .string(let v) = unwrapped { v } else { nil } }
    public var objectPathValue: ObjectPath? { if case .objectPath(let v) = unwrapped { v } else { nil } }

    /// The elements of an array (not of a dictionary).
    public var arrayValue: [DBusValue]? { if case .array(_, let items) = unwrapped { items } else { nil } }

    /// `ay` as bytes; nil for anything else.
    public var bytesValue: [UInt8]? {
        guard case .array(.byte, let items) = unwrapped else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(items.count)
        for item in items {
            guard case .byte(let b) = item else { return nil }
            bytes.append(b)
        }
        return bytes
    }

    /// `as` as strings; nil for anything else.
    public var stringsValue: [String]? {
        guard case .array(.string, let items) = unwrapped else { return nil }
        return items.compactMap(\.stringValue)
    }

    /// `ao` as paths; nil for anything else.
    public var objectPathsValue: [ObjectPath]? {
        guard case .array(.objectPath, let items) = unwrapped else { return nil }
        return items.compactMap(\.objectPathValue)
    }

    /// The entries of a dictionary in wire order.
    public var dictionaryEntries: [DBusDictEntry]? {
        if case .dictionary(_, _, let entries) = unwrapped { entries } else { nil }
    }

    /// A dictionary with string keys (`a{s*}`); values are left as they are (variants stay variants).
    public var stringKeyedDictionary: [String: DBusValue]? {
        guard case .dictionary(.string, _, let entries) = unwrapped else { return nil }
        var result: [String: DBusValue] = [:]
        for entry in entries {
            guard let key = entry.key.stringValue else { return nil }
            result[key] = entry.value
        }
        return result
    }

    /// `a{sv}` with the variants removed, as BlueZ property and option dictionaries are used.
    public var variantDictionaryValue: [String: DBusValue]? {
        guard case .dictionary(.string, .variant, let entries) = unwrapped else { return nil }
        var result: [String: DBusValue] = [:]
        for entry in entries {
            guard let key = entry.key.stringValue, case .variant(let inner) = entry.value else { return nil }
            result[key] = inner
        }
        return result
    }
}

/// The shapes that org.freedesktop.DBus.ObjectManager and .Properties use.
public enum DBusShapes {
    /// interface name -> property name -> value (variants removed).
    public typealias InterfaceProperties = [String: [String: DBusValue]]
    /// object path -> interfaces.
    public typealias ManagedObjects = [ObjectPath: InterfaceProperties]

    /// Decodes `a{sa{sv}}`.
    public static func interfaceProperties(_ value: DBusValue) throws(DBusError) -> InterfaceProperties {
        guard case .dictionary(.string, .variantDictionary, let entries) = value.unwrapped else {
            throw .unexpectedReply("expected a{sa{sv}}, got \(value.type)")
        }
        var result: InterfaceProperties = [:]
        for entry in entries {
            guard let name = entry.key.stringValue, let properties = entry.value.variantDictionaryValue else {
                throw .unexpectedReply("malformed a{sa{sv}} entry")
            }
            result[name] = properties
        }
        return result
    }

    /// Decodes `a{oa{sa{sv}}}`, the reply of GetManagedObjects.
    public static func managedObjects(_ value: DBusValue) throws(DBusError) -> ManagedObjects {
        guard case .dictionary(.objectPath, .dictionary(key: .string, value: .variantDictionary), let entries)
            = value.unwrapped
        else {
            throw .unexpectedReply("expected a{oa{sa{sv}}}, got \(value.type)")
        }
        var result: ManagedObjects = [:]
        for entry in entries {
            guard let path = entry.key.objectPathValue else { throw .unexpectedReply("malformed object path key") }
            result[path] = try interfaceProperties(entry.value)
        }
        return result
    }

    /// Encodes `a{sa{sv}}`.
    public static func encode(_ interfaces: InterfaceProperties) -> DBusValue {
        .dictionary(key: .string, value: .variantDictionary, interfaces.sorted { $0.key < $1.key }.map {
            DBusDictEntry(key: .string($0.key), value: .variantDictionary($0.value))
        })
    }

    /// Encodes `a{oa{sa{sv}}}`.
    public static func encode(_ objects: ManagedObjects) -> DBusValue {
        .dictionary(key: .objectPath, value: .dictionary(key: .string, value: .variantDictionary),
                    objects.sorted { $0.key < $1.key }.map {
                        DBusDictEntry(key: .objectPath($0.key), value: encode($0.value))
                    })
    }
}

extension Array where Element == DBusValue {
    /// The argument at `index`, or `DBusError.unexpectedReply` naming what was expected.
    public func argument(_ index: Int, _ what: String) throws(DBusError) -> DBusValue {
        guard indices.contains(index) else {
            throw .unexpectedReply("missing argument \(index) (\(what)); got \(count) arguments")
        }
        return self[index]
    }

    /// The signature of these values as a message body.
    public var signature: String { map(\.type.signature).joined() }
}
