public import DBus

/// A consistent snapshot of bluetoothd's object tree, as kept by `ObjectManagerMirror`.
public struct MirrorView: Sendable {
    public let objects: DBusShapes.ManagedObjects
    /// The unique name of the current org.bluez owner; nil while bluetoothd is not running.
    public let owner: String?

    public init(objects: DBusShapes.ManagedObjects, owner: String?) {
        self.objects = objects
        self.owner = owner
    }

    public var isServiceAvailable: Bool { owner != nil }

    /// The properties of one interface of one object.
    public func properties(_ path: ObjectPath, _ interface: String) -> [String: DBusValue]? {
        objects[path]?[interface]
    }

    public func property(_ path: ObjectPath, _ interface: String, _ name: String) -> DBusValue? {
        objects[path]?[interface]?[name]
    }

    /// Every object having `interface`, optionally only those at or below `ancestor`, sorted by path.
    public func objects(with interface: String, under ancestor: ObjectPath? = nil)
        -> [(path: ObjectPath, properties: [String: DBusValue])]
    {
        objects.compactMap { path, interfaces -> (path: ObjectPath, properties: [String: DBusValue])? in
            guard let properties = interfaces[interface] else { return nil }
            if let ancestor, !path.isDescendant(of: ancestor) { return nil }
            return (path, properties)
        }.sorted { $0.path < $1.path }
    }
}

/// One change of the mirrored tree, in the order bluetoothd made them.
public enum MirrorEvent: Sendable, Hashable {
    case interfacesAdded(ObjectPath, DBusShapes.InterfaceProperties)
    case interfacesRemoved(ObjectPath, [String])
    case propertiesChanged(ObjectPath, interface: String, changed: [String: DBusValue], invalidated: [String])
    /// bluetoothd left the bus; every object is gone (removals were announced just before).
    case serviceLost
    /// bluetoothd (re)appeared and the tree was loaded from it (additions were announced just before).
    case serviceAvailable(owner: String)

    /// The object the event is about, nil for service events.
    public var path: ObjectPath? {
        switch self {
        case .interfacesAdded(let path, _), .interfacesRemoved(let path, _), .propertiesChanged(let path, _, _, _):
            path
        case .serviceLost, .serviceAvailable:
            nil
        }
    }
}
