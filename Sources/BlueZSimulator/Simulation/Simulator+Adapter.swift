import BlueZ
import DBus
import HealthProfiles

/// Adapter1, discovery and AgentManager1.
extension Simulator {
    func adapterInterface() -> DBusObjectServer.Interface {
        let adapter = scenario.adapter
        return DBusObjectServer.Interface(
            name: BlueZNames.adapter,
            properties: [
                "Address": .string(adapter.address.description),
                "AddressType": .string("public"),
                "Name": .string(adapter.alias),
                "Alias": .string(adapter.alias),
                "Class": .uint32(0),
                "Powered": .boolean(adapterPowered),
                "Discoverable": .boolean(false),
                "DiscoverableTimeout": .uint32(180),
                "Pairable": .boolean(true),
                "PairableTimeout": .uint32(0),
                "Discovering": .boolean(!discoverySessions.isEmpty),
                "UUIDs": .strings([]),
                "Modalias": .string("usb:v1D6Bp0246d0548"),
                "Roles": .strings(["central", "peripheral"]),
            ],
            methods: { [self] call in
                .deferred { () async throws(DBusError) -> [DBusValue] in try await self.adapterMethod(call) }
            },
            setProperty: { [self] name, value, _ in
                .deferred { () async throws(DBusError) -> [DBusValue] in
                    try await self.setAdapterProperty(name, value)
                    return []
                }
            })
    }

    func setAdapterProperty(_ name: String, _ value: DBusValue) async throws(DBusError) {
        switch name {
        case "Powered":
            guard let powered = value.boolValue else { throw .invalidArguments("Powered is a boolean") }
            try refuseWhileSettingUp("Set Powered")
            adapterPowered = powered
            if !powered {
                for address in deviceOrder where devices[address]?.connected == true {
                    dropConnection(address, reason: "org.bluez.Reason.Local")
                }
                if !discoverySessions.isEmpty {
                    discoverySessions.removeAll()
                    setAdapterProperties(["Discovering": .boolean(false)])
                }
            }
            setAdapterProperties(["Powered": value])
        case "Alias", "Discoverable", "Pairable", "PairableTimeout", "DiscoverableTimeout":
            setAdapterProperties([name: value])
        default:
            throw .remote(name: StandardErrors.propertyReadOnly, message: "\(BlueZNames.adapter).\(name)")
        }
    }

    func adapterMethod(_ call: DBusMethodCall) async throws(DBusError) -> [DBusValue] {
        let sender = call.sender ?? ""
        switch call.member {
        case "SetDiscoveryFilter":
            try call.expectSignature("a{sv}")
            guard let filter = call.arguments[0].variantDictionaryValue else { throw .invalidArguments("a{sv}") }
            try refuseWhileSettingUp(call.member)
            try setDiscoveryFilter(filter, from: sender)
            return []
        case "GetDiscoveryFilters":
            return [.strings(["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable", "Pattern"])]
        case "StartDiscovery":
            try refuseWhileSettingUp(call.member)
            try startDiscovery(for: sender)
            return []
        case "StopDiscovery":
            try stopDiscovery(for: sender)
            return []
        case "RemoveDevice":
            try call.expectSignature("o")
            guard let path = call.arguments[0].objectPathValue, let address = device(at: path) else {
                throw bluezError(.doesNotExist, "Does Not Exist")
            }
            removeDevice(address)
            return []
        default:
            throw .unknownMethod("\(BlueZNames.adapter).\(call.member)")
        }
    }

    func setDiscoveryFilter(_ filter: [String: DBusValue], from sender: String) throws(DBusError) {
        var state = DiscoveryFilterState()
        for (key, value) in filter {
            switch (key, value) {
            case ("UUIDs", .array(.string, _)):
                var uuids: [BluetoothUUID] = []
                for text in value.stringsValue ?? [] {
                    guard let uuid = BluetoothUUID(text) else { throw bluezError(.invalidArguments, "Invalid UUID \(text)") }
                    uuids.append(uuid)
                }
                state.uuids = uuids
            case ("RSSI", .int16(let rssi)):
                state.rssi = rssi
            case ("Transport", .string(let transport)) where ["auto", "bredr", "le"].contains(transport):
                state.transport = transport
            case ("Pathloss", .uint16), ("DuplicateData", .boolean), ("Discoverable", .boolean), ("Pattern", .string):
                break
            default:
                throw bluezError(.invalidArguments, "Invalid arguments in method call")
            }
        }
        lastDiscoveryFilter = filter
        discoveryFilters[sender] = filter.isEmpty ? nil : state
        logger.debug("discovery filter of \(sender): \(filter)")
    }

    func startDiscovery(for sender: String) throws(DBusError) {
        guard adapterPowered else { throw bluezError(.notReady, "Resource Not Ready") }
        guard !discoverySessions.contains(sender) else { throw bluezError(.inProgress, "Operation already in progress") }
        discoverySessions.insert(sender)
        if discoverySessions.count == 1 { setAdapterProperties(["Discovering": .boolean(true)]) }
        for address in deviceOrder { advertise(address) }
    }

    func stopDiscovery(for sender: String) throws(DBusError) {
        guard discoverySessions.remove(sender) != nil else { throw bluezError(.failed, "No discovery started") }
        if discoverySessions.isEmpty { setAdapterProperties(["Discovering": .boolean(false)]) }
    }

    /// One advertisement from the device, seen if discovery runs and any client's filter lets it through:
    /// a new Device1 object, or RSSI/advertising data updates on the existing one.
    func advertise(_ address: BluetoothAddress) {
        guard adapterPresent, adapterPowered, !discoverySessions.isEmpty, let device = devices[address],
              device.inRange, passesAnyFilter(device.config)
        else { return }
        if device.objectExists {
            setDeviceProperties(address, ["RSSI": .int16(device.config.rssi)], alwaysEmit: true)
        } else {
            exportDevice(address, rssi: device.config.rssi)
        }
    }

    func passesAnyFilter(_ config: DeviceConfig) -> Bool {
        discoverySessions.contains { sender in
            guard let filter = discoveryFilters[sender] else { return true }
            if filter.transport == "bredr" { return false }
            if let rssi = filter.rssi, config.rssi < rssi { return false }
            return filter.uuids.isEmpty || !Set(filter.uuids).isDisjoint(with: config.advertisedServices)
        }
    }

    /// RemoveDevice: the link drops and the object and its bond are gone.
    func removeDevice(_ address: BluetoothAddress) {
        guard var device = devices[address] else { return }
        if device.connected || device.linkBusy { dropConnection(address, reason: "org.bluez.Reason.Local") }
        bluetoothd?.server.removeSubtree(device.path)
        device = devices[address] ?? device
        device.resetRuntime()
        device.paired = false
        device.trusted = false
        devices[address] = device
        logger.info("device \(address) removed")
    }

    // MARK: AgentManager1

    func agentManagerInterface() -> DBusObjectServer.Interface {
        DBusObjectServer.Interface(name: BlueZNames.agentManager, methods: { [self] call in
            .deferred { () async throws(DBusError) -> [DBusValue] in try await self.agentManagerMethod(call) }
        })
    }

    func agentManagerMethod(_ call: DBusMethodCall) throws(DBusError) -> [DBusValue] {
        let sender = call.sender ?? ""
        switch call.member {
        case "RegisterAgent":
            try call.expectSignature("os")
            guard let path = call.arguments[0].objectPathValue, let capability = call.arguments[1].stringValue,
                  ["", "DisplayOnly", "DisplayYesNo", "KeyboardOnly", "NoInputNoOutput", "KeyboardDisplay"]
                    .contains(capability)
            else { throw bluezError(.invalidArguments, "Invalid arguments in method call") }
            guard agents[sender] == nil else { throw bluezError(.alreadyExists, "Already Exists") }
            agents[sender] = RegisteredAgent(path: path, capability: capability)
            logger.info("agent registered by \(sender) at \(path) (\(capability))")
        case "UnregisterAgent":
            try call.expectSignature("o")
            guard let registered = agents[sender], registered.path == call.arguments[0].objectPathValue else {
                throw bluezError(.doesNotExist, "Does Not Exist")
            }
            agents[sender] = nil
            if defaultAgent == sender { defaultAgent = nil }
        case "RequestDefaultAgent":
            try call.expectSignature("o")
            guard let registered = agents[sender], registered.path == call.arguments[0].objectPathValue else {
                throw bluezError(.doesNotExist, "Does Not Exist")
            }
            defaultAgent = sender
        default:
            throw .unknownMethod("\(BlueZNames.agentManager).\(call.member)")
        }
        return []
    }
}
