public import DBus

/// A handle on one of bluetoothd's objects. Two handles are the same object when their paths are: the client they
/// reach it through does not matter.
public protocol BlueZObject: Sendable, Hashable {
    var path: ObjectPath { get }
}

extension BlueZObject {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.path == rhs.path }
    public func hash(into hasher: inout Hasher) { hasher.combine(path) }
}
