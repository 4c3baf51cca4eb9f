import BlueZ
import DBus
import HealthProfiles

/// The simulator's knowledge of one device: its script and what has happened to it so far.
struct SimulatedDevice: Sendable {
    let config: DeviceConfig
    var path: ObjectPath
    var layout: GattLayout

    // The radio world.
    var inRange: Bool
    var battery: UInt8?
    /// Frames still to be sent per characteristic (stored readings are sent once).
    var queues: [BluetoothUUID: [[UInt8]]]
    var glucoseRecords: [ScriptedGlucoseRecord]
    /// The users of a User Data Service device (registrations add to them; stored frames are sent once).
    var userDataUsers: [UserDataConfig.User]
    /// The last value of each characteristic (reads, writes that set it).
    var values: [BluetoothUUID: [UInt8]]
    var connectFailuresLeft: Int
    /// The device forgot its bond (battery change, reset) while bluetoothd still holds the keys (`LoseBond`).
    var lostBond = false
    /// The device's clock was set through Date Time written before subscribing (`quirks.dateTimeBeforeSubscribing`).
    var clockSet = false
    /// The link (`epoch`) on which Ascensia's clock was written as the meter takes it (`quirks.ascensiaClock`).
    var ascensiaClockEpoch: Int?
    /// Record transfers run so far, so that a hang-up after one (`quirks.hangsUpAfterTransferMs`) sees a later one.
    var recordTransfers = 0

    // What bluetoothd knows, persistently (survives restarts when bonded).
    var paired: Bool
    var trusted: Bool

    // What bluetoothd knows at run time.
    var objectExists = false
    var connected = false
    var servicesResolved = false
    /// A link that is being set up or torn down (Connected may read true while Connect() still fails).
    var linkBusy = false
    var connecting = false
    var gattExported = false
    var batteryExported = false
    var notifySessions: [BluetoothUUID: Set<String>] = [:]
    /// Subscriptions bluetoothd still holds (Notifying) but the device forgot on a disconnect
    /// (`quirks.forgetsSubscriptions`): it sends nothing on them until the CCCD is written again.
    var forgottenSubscriptions: Set<BluetoothUUID> = []
    /// What the device put in its last broadcast (`Broadcast`), reported instead of the scenario's advertising data.
    var broadcasting: AdvertisedData?
    /// Bumped on every connection and disconnection, so that scheduled work of an old link stops.
    var epoch = 0
    var activeSenders: Set<BluetoothUUID> = []
    var racpBusy = false
    var pairingInProgress = false
    var pairingCancelled = false
    var pairingTask: Task<Result<[DBusValue], DBusError>, Never>?
    /// The agent asked during the pairing in progress (owner, object path).
    var pairingAgent: (owner: String, path: ObjectPath)?

    // For the control interface and tests.
    var written: [BluetoothUUID: [[UInt8]]] = [:]
    var connectAttempts = 0
    var pairAttempts = 0

    init(config: DeviceConfig, adapterPath: ObjectPath) {
        self.config = config
        path = config.address.devicePath(on: adapterPath)
        layout = GattLayout(device: path, services: config.services)
        inRange = config.inRange
        battery = config.battery
        glucoseRecords = config.glucoseRecords
        userDataUsers = config.userData?.users ?? []
        connectFailuresLeft = config.connectFailures
        paired = config.paired
        trusted = config.trusted
        var queues: [BluetoothUUID: [[UInt8]]] = [:]
        var values: [BluetoothUUID: [UInt8]] = [:]
        for service in config.services {
            for characteristic in service.characteristics {
                if !characteristic.stored.isEmpty { queues[characteristic.uuid] = characteristic.stored }
                values[characteristic.uuid] = characteristic.value
            }
        }
        self.queues = queues
        self.values = values
    }

    /// Forgets run-time state, as bluetoothd does when the device object goes away.
    mutating func resetRuntime() {
        objectExists = false
        connected = false
        servicesResolved = false
        linkBusy = false
        connecting = false
        gattExported = false
        batteryExported = false
        notifySessions = [:]
        forgottenSubscriptions = []
        epoch += 1
        activeSenders = []
        racpBusy = false
        pairingTask?.cancel()
        pairingTask = nil
        pairingAgent = nil
        pairingInProgress = false
    }

    func isNotifying(_ uuid: BluetoothUUID) -> Bool { !(notifySessions[uuid] ?? []).isEmpty }

    /// bluetoothd has a notify session and the device itself has the subscription: it sends — unless it lost
    /// its bond, when the link is never encrypted and it sends nothing.
    func sends(_ uuid: BluetoothUUID) -> Bool {
        isNotifying(uuid) && !forgottenSubscriptions.contains(uuid) && !(paired && lostBond)
    }

    /// The Device1 properties bluetoothd would report.
    func deviceProperties(adapter: ObjectPath, rssi: Int16?) -> [String: DBusValue] {
        var properties: [String: DBusValue] = [
            "Address": .string(config.address.description),
            "AddressType": .string(config.addressType),
            "Alias": .string(config.name ?? config.address.description.split(separator: ":").joined(separator: "-")),
            "Paired": .boolean(paired),
            "Bonded": .boolean(paired),
            "Trusted": .boolean(trusted),
            "Blocked": .boolean(false),
            "LegacyPairing": .boolean(false),
            "Connected": .boolean(connected || linkBusy),
            "ServicesResolved": .boolean(servicesResolved),
            "Adapter": .objectPath(adapter),
            "UUIDs": .strings(advertisedUUIDs),
            "ServiceData": Self.serviceDataValue(broadcasting?.serviceData ?? config.serviceData),
            "ManufacturerData": Self.manufacturerDataValue(broadcasting?.manufacturerData ?? config.manufacturerData),
        ]
        if let name = config.name { properties["Name"] = .string(name) }
        if let rssi { properties["RSSI"] = .int16(rssi) }
        return config.faults.wrongPropertyTypes ? properties.mapValues(DeviceFaults.wronglyTyped) : properties
    }

    /// Device1.ServiceData (a{sv}: service UUID to bytes).
    static func serviceDataValue(_ data: [BluetoothUUID: [UInt8]]) -> DBusValue {
        .variantDictionary(Dictionary(uniqueKeysWithValues: data.map { ($0.key.string, DBusValue.bytes($0.value)) }))
    }

    /// Device1.ManufacturerData (a{qv}: company identifier to bytes).
    static func manufacturerDataValue(_ data: [UInt16: [UInt8]]) -> DBusValue {
        .dictionary(key: .uint16, value: .variant, data.sorted { $0.key < $1.key }.map {
            DBusDictEntry(key: .uint16($0.key), value: .variant(.bytes($0.value)))
        })
    }

    /// Advertised service UUIDs plus, once resolved, the services found.
    var advertisedUUIDs: [String] {
        var uuids = config.advertisedServices.map(\.string)
        if gattExported {
            for service in config.services where !uuids.contains(service.uuid.string) {
                uuids.append(service.uuid.string)
            }
        }
        return uuids
    }
}
