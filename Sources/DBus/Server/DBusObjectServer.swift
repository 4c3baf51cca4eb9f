import Synchronization

/// A tree of exported objects with the standard interfaces implemented: org.freedesktop.DBus.Properties
/// (Get, GetAll, Set, PropertiesChanged), org.freedesktop.DBus.ObjectManager (GetManagedObjects,
/// InterfacesAdded, InterfacesRemoved) at the root, and org.freedesktop.DBus.Introspectable.
///
/// State changes and the signals announcing them happen under one lock, and Get/GetAll/GetManagedObjects
/// are answered on the connection thread under that lock, so a client that applies signals in order on
/// top of a GetManagedObjects snapshot always ends up with the true state.
public final class DBusObjectServer: Sendable {
    /// One interface of an exported object.
    public struct Interface: Sendable {
        public var name: String
        public var properties: [String: DBusValue]
        /// Answers the interface's own methods; nil means it has none.
        public var methods: DBusObjectHandler?
        /// Answers Properties.Set for this interface; nil makes every property read-only. The handler
        /// applies accepted values itself (through `setProperties`).
        public var setProperty: (@Sendable (_ name: String, _ value: DBusValue, _ call: DBusMethodCall)
            -> DBusMethodOutcome)?

        public init(name: String, properties: [String: DBusValue] = [:], methods: DBusObjectHandler? = nil,
                    setProperty: (@Sendable (String, DBusValue, DBusMethodCall) -> DBusMethodOutcome)? = nil) {
            self.name = name
            self.properties = properties
            self.methods = methods
            self.setProperty = setProperty
        }
    }

    public static let propertiesInterface = "org.freedesktop.DBus.Properties"
    public static let objectManagerInterface = "org.freedesktop.DBus.ObjectManager"
    public static let introspectableInterface = "org.freedesktop.DBus.Introspectable"

    private let connection: DBusConnection
    private let root: ObjectPath
    private let objects = Mutex<[ObjectPath: [String: Interface]]>([:])
    private let registration = Mutex<DBusRegistration?>(nil)
    private let interceptor = Mutex<DBusObjectHandlerOverride?>(nil)

    /// Answers a call instead of the tree, or returns nil to let the tree answer (see `intercept`).
    public typealias DBusObjectHandlerOverride = @Sendable (DBusMethodCall) -> DBusMethodOutcome?

    /// Serves every path at and below `root` on `connection`; the ObjectManager lives at `root`.
    public init(connection: DBusConnection, root: ObjectPath = .root) {
        self.connection = connection
        self.root = root
        let handle = connection.register(path: root, subtree: true) { [weak self] call in
            guard let self else { return .error(.unknownObject("object server gone")) }
            return self.handle(call)
        }
        registration.withLock { $0 = handle }
    }

    /// Lets the owner answer some calls itself, standard interfaces included, before the tree does: the BlueZ
    /// simulator uses it to misbehave on purpose (a GetManagedObjects reply of the wrong shape). The handler runs
    /// on the connection thread like any `DBusObjectHandler`; nil removes it.
    public func intercept(_ handler: DBusObjectHandlerOverride?) {
        interceptor.withLock { $0 = handler }
    }

    /// Stops answering calls (objects stay in memory, no signals are sent).
    public func stop() {
        registration.withLock { handle in
            handle?.unregister()
            handle = nil
        }
    }

    // MARK: Changing the tree

    /// Adds `interfaces` to the object at `path` (creating it) and announces them with InterfacesAdded.
    /// An interface that already exists is replaced.
    public func add(_ path: ObjectPath, interfaces: [Interface]) {
        guard !interfaces.isEmpty else { return }
        objects.withLock { objects in
            var object = objects[path] ?? [:]
            for interface in interfaces { object[interface.name] = interface }
            objects[path] = object
            let announced = Dictionary(interfaces.map { ($0.name, $0.properties) }, uniquingKeysWith: { $1 })
            emit(root, DBusObjectServer.objectManagerInterface, "InterfacesAdded",
                 [.objectPath(path), DBusShapes.encode(announced)])
        }
    }

    /// Removes some interfaces of `path` (all when nil) and announces it with InterfacesRemoved.
    public func remove(_ path: ObjectPath, interfaces names: [String]? = nil) {
        objects.withLock { objects in
            guard var object = objects[path] else { return }
            let removed = (names ?? Array(object.keys)).filter { object[$0] != nil }.sorted()
            guard !removed.isEmpty else { return }
            for name in removed { object[name] = nil }
            objects[path] = object.isEmpty ? nil : object
            emit(root, DBusObjectServer.objectManagerInterface, "InterfacesRemoved",
                 [.objectPath(path), .strings(removed)])
        }
    }

    /// Removes `path` and everything below it, deepest objects first, as bluetoothd does for a device.
    public func removeSubtree(_ path: ObjectPath) {
        let paths = objects.withLock { objects in
            objects.keys.filter { $0.isDescendant(of: path) }
        }
        for child in paths.sorted(by: { $0.rawValue.count > $1.rawValue.count }) { remove(child) }
    }

    /// Forgets every object without announcing anything (as when the owning process dies).
    public func reset() {
        objects.withLock { $0.removeAll() }
    }

    /// Updates properties and emits one PropertiesChanged with those that changed. With `alwaysEmit`,
    /// values equal to the old ones are announced too (BlueZ does so for every notification's Value).
    /// With `announce: false` nothing is emitted: Get/GetAll see the new values, watchers of the signals do
    /// not (real bluetoothd sometimes links a device up without announcing Connected).
    public func setProperties(_ path: ObjectPath, interface: String, _ values: [String: DBusValue],
                              alwaysEmit: Bool = false, announce: Bool = true) {
        objects.withLock { objects in
            guard var entry = objects[path]?[interface] else { return }
            var changed: [String: DBusValue] = [:]
            for (name, value) in values where alwaysEmit || entry.properties[name] != value {
                entry.properties[name] = value
                changed[name] = value
            }
            guard !changed.isEmpty else { return }
            objects[path]?[interface] = entry
            guard announce else { return }
            emit(path, DBusObjectServer.propertiesInterface, "PropertiesChanged",
                 [.string(interface), .variantDictionary(changed), .strings([])])
        }
    }

    /// Convenience for one property.
    public func setProperty(_ path: ObjectPath, interface: String, _ name: String, _ value: DBusValue,
                            alwaysEmit: Bool = false) {
        setProperties(path, interface: interface, [name: value], alwaysEmit: alwaysEmit)
    }

    /// Removes properties and announces them as invalidated.
    public func invalidateProperties(_ path: ObjectPath, interface: String, _ names: [String]) {
        objects.withLock { objects in
            guard var entry = objects[path]?[interface] else { return }
            let present = names.filter { entry.properties[$0] != nil }.sorted()
            guard !present.isEmpty else { return }
            for name in present { entry.properties[name] = nil }
            objects[path]?[interface] = entry
            emit(path, DBusObjectServer.propertiesInterface, "PropertiesChanged",
                 [.string(interface), .variantDictionary([:]), .strings(present)])
        }
    }

    // MARK: Reading the tree

    public func property(_ path: ObjectPath, interface: String, _ name: String) -> DBusValue? {
        objects.withLock { $0[path]?[interface]?.properties[name] }
    }

    public func properties(_ path: ObjectPath, interface: String) -> [String: DBusValue]? {
        objects.withLock { $0[path]?[interface]?.properties }
    }

    public func hasObject(_ path: ObjectPath, interface: String? = nil) -> Bool {
        objects.withLock { objects in
            guard let object = objects[path] else { return false }
            return interface.map { object[$0] != nil } ?? true
        }
    }

    /// Every object path with its interfaces and properties.
    public func snapshot() -> DBusShapes.ManagedObjects {
        objects.withLock { objects in objects.mapValues { $0.mapValues(\.properties) } }
    }

    // MARK: Answering calls

    private func emit(_ path: ObjectPath, _ interface: String, _ member: String, _ arguments: [DBusValue]) {
        // Only fails once the connection is closed, when nobody can receive signals any more.
        try? connection.emitSignal(path: path, interface: interface, member: member, arguments: arguments)
    }

    private func handle(_ call: DBusMethodCall) -> DBusMethodOutcome {
        if let override = interceptor.withLock({ $0 }), let outcome = override(call) { return outcome }
        switch call.interface {
        case DBusObjectServer.propertiesInterface?:
            return handleProperties(call)
        case DBusObjectServer.objectManagerInterface? where call.path == root:
            guard call.member == "GetManagedObjects" else { return .error(.unknownMethod(call.member)) }
            let managed = objects.withLock { objects in
                objects.filter { $0.key != root && $0.key.isDescendant(of: root) }
                    .mapValues { $0.mapValues(\.properties) }
            }
            return .reply([DBusShapes.encode(managed)])
        case DBusObjectServer.introspectableInterface?:
            guard call.member == "Introspect" else { return .error(.unknownMethod(call.member)) }
            return .reply([.string(introspection(of: call.path))])
        default:
            let found: (object: Bool, interface: Interface?) = objects.withLock { objects in
                guard let object = objects[call.path] else { return (false, nil) }
                if let name = call.interface { return (true, object[name]) }
                // No interface given: the first interface with methods answers, as the spec allows.
                return (true, object.values.sorted { $0.name < $1.name }.first { $0.methods != nil })
            }
            guard found.object || call.path == root else {
                return .error(.unknownObject("no object at \(call.path)"))
            }
            guard let interface = found.interface else {
                return .error(.remote(name: StandardErrors.unknownInterface,
                                      message: "\(call.interface ?? "?") not on \(call.path)"))
            }
            guard let methods = interface.methods else {
                return .error(.unknownMethod("\(interface.name).\(call.member) does not exist"))
            }
            return methods(call)
        }
    }

    private func handleProperties(_ call: DBusMethodCall) -> DBusMethodOutcome {
        let interfaceName = call.arguments.first?.stringValue ?? ""
        let entry = objects.withLock { $0[call.path]?[interfaceName] }
        guard objects.withLock({ $0[call.path] != nil }) else {
            return .error(.unknownObject("no object at \(call.path)"))
        }
        guard let entry else {
            return .error(.remote(name: StandardErrors.unknownInterface, message: "\(interfaceName) not on \(call.path)"))
        }
        switch call.member {
        case "Get":
            guard call.arguments.signature == "ss", let name = call.arguments[1].stringValue else {
                return .error(.invalidArguments("Get takes (ss)"))
            }
            guard let value = entry.properties[name] else {
                return .error(.remote(name: StandardErrors.unknownProperty, message: "\(interfaceName).\(name)"))
            }
            return .reply([.variant(value)])
        case "GetAll":
            guard call.arguments.signature == "s" else { return .error(.invalidArguments("GetAll takes (s)")) }
            return .reply([.variantDictionary(entry.properties)])
        case "Set":
            guard call.arguments.signature == "ssv", let name = call.arguments[1].stringValue,
                  case .variant(let value) = call.arguments[2]
            else { return .error(.invalidArguments("Set takes (ssv)")) }
            guard let current = entry.properties[name] else {
                return .error(.remote(name: StandardErrors.unknownProperty, message: "\(interfaceName).\(name)"))
            }
            guard let setter = entry.setProperty else {
                return .error(.remote(name: StandardErrors.propertyReadOnly, message: "\(interfaceName).\(name)"))
            }
            guard value.type == current.type else {
                return .error(.invalidArguments("\(name) is \(current.type), not \(value.type)"))
            }
            return setter(name, value, call)
        default:
            return .error(.unknownMethod("org.freedesktop.DBus.Properties.\(call.member)"))
        }
    }

    private func introspection(of path: ObjectPath) -> String {
        let (interfaces, children): ([Interface], [String]) = objects.withLock { objects in
            let interfaces = objects[path].map { Array($0.values) } ?? []
            var children = Set<String>()
            for candidate in objects.keys where candidate != path && candidate.isDescendant(of: path) {
                let rest = path.rawValue == "/" ? candidate.rawValue.dropFirst()
                    : candidate.rawValue.dropFirst(path.rawValue.count + 1)
                if let first = rest.split(separator: "/").first { children.insert(String(first)) }
            }
            return (interfaces, children.sorted())
        }
        var xml = """
        <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
        <node>
          <interface name="org.freedesktop.DBus.Introspectable"><method name="Introspect"><arg name="xml" type="s" direction="out"/></method></interface>

        """
        if !interfaces.isEmpty {
            xml += "  <interface name=\"org.freedesktop.DBus.Properties\"/>\n"
        }
        if path == root { xml += "  <interface name=\"org.freedesktop.DBus.ObjectManager\"/>\n" }
        for interface in interfaces.sorted(by: { $0.name < $1.name }) {
            xml += "  <interface name=\"\(interface.name)\">\n"
            for (name, value) in interface.properties.sorted(by: { $0.key < $1.key }) {
                let access = interface.setProperty == nil ? "read" : "readwrite"
                xml += "    <property name=\"\(name)\" type=\"\(value.type.signature)\" access=\"\(access)\"/>\n"
            }
            xml += "  </interface>\n"
        }
        for child in children { xml += "  <node name=\"\(child)\"/>\n" }
        return xml + "</node>\n"
    }
}
