import BlueZ
import DBus
import HealthProfiles

extension Simulator {
    func handleControl(_ call: DBusMethodCall) async throws(DBusError) -> [DBusValue] {
        guard call.interface == SimulatorControl.interface || call.interface == nil else {
            throw .unknownMethod("\(call.interface ?? "?").\(call.member)")
        }
        switch call.member {
        case "SetInRange":
            try call.expectSignature("sb")
            let address = try knownDevice(call)
            let inRange = call.arguments[1].boolValue ?? false
            devices[address]?.inRange = inRange
            if inRange {
                advertise(address)
            } else if devices[address]?.connected == true {
                dropConnection(address, reason: "org.bluez.Reason.Timeout")
            }
            logger.info("\(address) is now \(inRange ? "in range" : "out of range")")
        case "Advertise":
            try call.expectSignature("s")
            advertise(try knownDevice(call))
        case "Broadcast":
            try call.expectSignature("sa{sv}a{qv}")
            let data = AdvertisedData(
                serviceData: DeviceProperties.serviceData(call.arguments[1]) ?? [:],
                manufacturerData: DeviceProperties.manufacturerData(call.arguments[2]) ?? [:])
            return [.boolean(broadcast(try knownDevice(call), data))]
        case "QueueFrames":
            try call.expectSignature("ssaay")
            let address = try knownDevice(call)
            let uuid = try characteristic(call, of: address)
            let frames = (call.arguments[2].arrayValue ?? []).compactMap(\.bytesValue)
            devices[address]?.queues[uuid, default: []].append(contentsOf: frames)
            startBehaviour(address, uuid)
        case "CollectElsewhere":
            try call.expectSignature("s")
            return [.uint32(UInt32(collectElsewhere(try knownDevice(call))))]
        case "Notify":
            try call.expectSignature("ssay")
            let address = try knownDevice(call)
            let uuid = try characteristic(call, of: address)
            guard let device = devices[address], device.connected, device.sends(uuid) else {
                throw .remote(name: SimulatorControl.notPossibleError, message: "\(address) is not notifying \(uuid)")
            }
            notify(address, uuid, call.arguments[2].bytesValue ?? [])
        case "AddGlucoseRecords":
            try call.expectSignature("saay")
            let address = try knownDevice(call)
            for frame in (call.arguments[1].arrayValue ?? []).compactMap(\.bytesValue) {
                do {
                    devices[address]?.glucoseRecords.append(try ScriptedGlucoseRecord(frame: frame))
                } catch {
                    throw .invalidArguments(error.description)
                }
            }
        case "ReplaceGlucoseRecords":
            // The meter was reset (or replaced under the same address): its memory is these records only.
            try call.expectSignature("saay")
            let address = try knownDevice(call)
            do {
                devices[address]?.glucoseRecords = try (call.arguments[1].arrayValue ?? []).compactMap(\.bytesValue)
                    .map { frame throws(ScenarioError) in try ScriptedGlucoseRecord(frame: frame) }
            } catch {
                throw .invalidArguments(error.description)
            }
        case "ConnectFromDevice":
            try call.expectSignature("s")
            try connectFromDevice(try knownDevice(call))
        case "SendRawValue":
            try call.expectSignature("ssv")
            let address = try knownDevice(call)
            let uuid = try characteristic(call, of: address)
            guard devices[address]?.gattExported == true, case let .variant(value) = call.arguments[2] else {
                throw .remote(name: SimulatorControl.notPossibleError, message: "\(address) has no GATT objects exported")
            }
            setCharacteristicProperties(address, uuid, ["Value": value], alwaysEmit: true)
        case "SetRawDeviceProperty":
            try call.expectSignature("ssv")
            let address = try knownDevice(call)
            guard let device = devices[address], device.objectExists, let name = call.arguments[1].stringValue,
                  case let .variant(value) = call.arguments[2]
            else {
                throw .remote(name: SimulatorControl.notPossibleError, message: "\(address) has no device object")
            }
            bluetoothd?.server.setProperty(device.path, interface: BlueZNames.device, name, value, alwaysEmit: true)
        case "DisconnectDevice":
            try call.expectSignature("s")
            dropConnection(try knownDevice(call), reason: "org.bluez.Reason.Remote")
        case "ExportGatt":
            try call.expectSignature("s")
            let address = try knownDevice(call)
            guard devices[address]?.connected == true else {
                throw .remote(name: SimulatorControl.notPossibleError, message: "\(address) is not connected")
            }
            exportGatt(address)
            startBehaviours(address)
        case "LoseBond":
            // The device forgets its bond and its clock (battery change, reset); bluetoothd keeps its keys.
            try call.expectSignature("s")
            let address = try knownDevice(call)
            devices[address]?.lostBond = true
            devices[address]?.clockSet = false
        case "SetValue":
            // What a read returns from now on: a firmware update changes the Firmware Revision String.
            try call.expectSignature("ssay")
            let address = try knownDevice(call)
            let uuid = try characteristic(call, of: address)
            devices[address]?.values[uuid] = call.arguments[2].bytesValue ?? []
        case "SetBattery":
            try call.expectSignature("sy")
            setBattery(try knownDevice(call), call.arguments[1].byteValue ?? 0)
        case "RestartBluetoothd":
            try await restartBluetoothd()
        case "RemoveAdapter":
            removeAdapter()
        case "AddAdapter":
            addAdapter()
        case "WrittenValues":
            try call.expectSignature("ss")
            let address = try knownDevice(call)
            let uuid = try characteristic(call, of: address)
            return [.array(.array(.byte), (devices[address]?.written[uuid] ?? []).map { .bytes($0) })]
        case "DeviceState":
            try call.expectSignature("s")
            return [.variantDictionary(deviceState(try knownDevice(call)))]
        case "AdapterState":
            return [.variantDictionary(adapterState())]
        default:
            throw .unknownMethod("\(SimulatorControl.interface).\(call.member)")
        }
        return []
    }

    private func knownDevice(_ call: DBusMethodCall) throws(DBusError) -> BluetoothAddress {
        guard let text = call.arguments.first?.stringValue, let address = BluetoothAddress(text),
              devices[address] != nil
        else {
            throw .remote(name: SimulatorControl.unknownDeviceError,
                          message: "no device \(call.arguments.first?.stringValue ?? "?") in the scenario")
        }
        return address
    }

    private func characteristic(_ call: DBusMethodCall, of address: BluetoothAddress) throws(DBusError)
        -> BluetoothUUID
    {
        guard let text = call.arguments[1].stringValue, let uuid = BluetoothUUID(text),
              devices[address]?.layout.characteristics[uuid] != nil
        else {
            throw .remote(name: SimulatorControl.unknownDeviceError,
                          message: "\(address) has no characteristic \(call.arguments[1].stringValue ?? "?")")
        }
        return uuid
    }

    func deviceState(_ address: BluetoothAddress) -> [String: DBusValue] {
        guard let device = devices[address] else { return [:] }
        var state: [String: DBusValue] = [
            "Exists": .boolean(device.objectExists),
            "Connected": .boolean(device.connected),
            "Paired": .boolean(device.paired),
            "Trusted": .boolean(device.trusted),
            "InRange": .boolean(device.inRange),
            "ConnectAttempts": .uint32(UInt32(clamping: device.connectAttempts)),
            "PairAttempts": .uint32(UInt32(clamping: device.pairAttempts)),
            "GattExported": .boolean(device.gattExported),
            "Notifying": .strings(device.notifySessions.filter { !$0.value.isEmpty }.keys.map(\.string).sorted()),
            "Queued": .dictionary(key: .string, value: .uint32, device.queues.sorted { $0.key.string < $1.key.string }
                .map { DBusDictEntry(key: .string($0.key.string), value: .uint32(UInt32(clamping: $0.value.count))) }),
            "GlucoseRecords": .uint32(UInt32(clamping: device.glucoseRecords.count)),
        ]
        if let battery = device.battery { state["Battery"] = .byte(battery) }
        return state
    }

    func adapterState() -> [String: DBusValue] {
        [
            "Present": .boolean(adapterPresent),
            "Powered": .boolean(adapterPowered),
            "Discovering": .boolean(!discoverySessions.isEmpty),
            "DiscoverySessions": .uint32(UInt32(clamping: discoverySessions.count)),
            "DiscoveryFilter": .variantDictionary(lastDiscoveryFilter),
            "Agents": .uint32(UInt32(clamping: agents.count)),
            "HasDefaultAgent": .boolean(defaultAgent != nil),
            "BluetoothdName": .string(bluetoothd?.connection.uniqueName ?? ""),
            "BusyReplies": .uint32(UInt32(clamping: adapterRestart.busyReplies)),
        ]
    }
}
