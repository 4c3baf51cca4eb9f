public import DBus

/// Names of the org.bluez service, its interfaces and object paths (BlueZ doc/org.bluez.*.rst).
public enum BlueZNames {
    public static let service = "org.bluez"
    public static let root: ObjectPath = "/org/bluez"

    public static let adapter = "org.bluez.Adapter1"
    public static let device = "org.bluez.Device1"
    public static let gattService = "org.bluez.GattService1"
    public static let gattCharacteristic = "org.bluez.GattCharacteristic1"
    public static let gattDescriptor = "org.bluez.GattDescriptor1"
    public static let battery = "org.bluez.Battery1"
    public static let agent = "org.bluez.Agent1"
    public static let agentManager = "org.bluez.AgentManager1"

    public static let objectManager = "org.freedesktop.DBus.ObjectManager"
    public static let properties = "org.freedesktop.DBus.Properties"

    /// The object path of the adapter the kernel names `name` ("hci0" is /org/bluez/hci0).
    public static func adapterPath(named name: String) -> ObjectPath { root.appending(name) }

    /// The prefix of every BlueZ error name.
    public static let errorPrefix = "org.bluez.Error."
}
