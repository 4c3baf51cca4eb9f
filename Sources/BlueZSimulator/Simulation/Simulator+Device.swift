import BlueZ
import DBus
import HealthProfiles

/// Device1: connecting, disconnecting, pairing through the registered agent.
extension Simulator {
    func deviceInterface(_ address: BluetoothAddress, rssi: Int16?) -> DBusObjectServer.Interface {
        let properties = devices[address]?.deviceProperties(adapter: adapterPath, rssi: rssi) ?? [:]
        return DBusObjectServer.Interface(
            name: BlueZNames.device, properties: properties,
            methods: { [self] call in
                .deferred { () async throws(DBusError) -> [DBusValue] in try await self.deviceMethod(address, call) }
            },
            setProperty: { [self] name, value, _ in
                .deferred { () async throws(DBusError) -> [DBusValue] in
                    try await self.setDeviceProperty(address, name, value)
                    return []
                }
            })
    }

    func deviceMethod(_ address: BluetoothAddress, _ call: DBusMethodCall) async throws(DBusError) -> [DBusValue] {
        switch call.member {
        case "Connect":
            try await connect(address)
        case "Disconnect":
            guard let device = devices[address], device.connected || device.connecting else {
                throw bluezError(.notConnected, "Not Connected")
            }
            dropConnection(address, reason: "org.bluez.Reason.Local")
        case "Pair":
            try await pair(address, requestedBy: call.sender)
        case "CancelPairing":
            try cancelPairing(address)
        case "ConnectProfile", "DisconnectProfile":
            throw bluezError(.notSupported, "Operation is not supported")
        default:
            throw .unknownMethod("\(BlueZNames.device).\(call.member)")
        }
        return []
    }

    func setDeviceProperty(_ address: BluetoothAddress, _ name: String, _ value: DBusValue) throws(DBusError) {
        switch name {
        case "Trusted":
            guard let trusted = value.boolValue else { throw .invalidArguments("Trusted is a boolean") }
            devices[address]?.trusted = trusted
            setDeviceProperties(address, ["Trusted": value])
        case "Alias", "Blocked", "WakeAllowed":
            setDeviceProperties(address, [name: value])
        default:
            throw .remote(name: StandardErrors.propertyReadOnly, message: "\(BlueZNames.device).\(name)")
        }
    }

    // MARK: Connecting

    /// Connect(): Connected, then ServicesResolved (the reply goes out here), then — for `delayed`
    /// devices — the GATT objects a little later. Out of range, or for the scripted number of failures,
    /// the link is aborted and Connect() fails with le-connection-abort-by-local; Connected=false is
    /// reported shortly after that reply, as bluetoothd does.
    func connect(_ address: BluetoothAddress) async throws(DBusError) {
        guard var device = devices[address], device.objectExists else { throw .unknownObject("device gone") }
        guard adapterPowered else { throw bluezError(.notReady, "Resource Not Ready") }
        guard !device.connected else { throw bluezError(.alreadyConnected, "Already Connected") }
        guard !device.connecting, !device.linkBusy else { throw bluezError(.inProgress, "In Progress") }
        device.connecting = true
        device.connectAttempts += 1
        let scriptedFailure = device.inRange && device.connectFailuresLeft > 0
        if scriptedFailure { device.connectFailuresLeft -= 1 }
        device.epoch += 1
        let epoch = device.epoch
        devices[address] = device
        let timing = scenario.timing

        if !device.inRange || scriptedFailure {
            if scriptedFailure {
                // The controller did connect; bluetoothd then tears the link down.
                devices[address]?.linkBusy = true
                setDeviceProperties(address, ["Connected": .boolean(true)])
            }
            await pause(timing.connectFailureDelayMs)
            devices[address]?.connecting = false
            if scriptedFailure {
                Task { [self] in
                    await pause(timing.abortDisconnectDelayMs)
                    finishAbortedLink(address, epoch: epoch)
                }
            }
            logger.info("connect to \(address) aborted (\(scriptedFailure ? "scripted failure" : "out of range"))")
            throw bluezError(.failed, "le-connection-abort-by-local")
        }

        await pause(device.paired ? device.config.bluetoothd.reconnectDelayMs ?? timing.connectDelayMs : timing.connectDelayMs)
        guard devices[address]?.epoch == epoch, devices[address]?.objectExists == true,
              devices[address]?.inRange == true
        else {
            devices[address]?.connecting = false
            throw bluezError(.failed, "le-connection-abort-by-local")
        }
        if device.paired, device.lostBond, device.config.quirks.bondLossFailsOn == .connect {
            // The link came up, but the device refused to encrypt with the keys it forgot.
            devices[address]?.connecting = false
            logger.info("connect to \(address): the device lost its bond (PIN or Key Missing)")
            throw bluezError(.authenticationFailed, "Authentication Failed")
        }
        devices[address]?.connected = true
        setDeviceProperties(address, ["Connected": .boolean(true)], announce: !device.config.bluetoothd.connectedUnannounced)
        if devices[address]?.config.gattExport == .immediate { exportGatt(address) }

        await pause(timing.resolveDelayMs)
        guard devices[address]?.epoch == epoch, devices[address]?.connected == true else {
            devices[address]?.connecting = false
            throw bluezError(.failed, "Software caused connection abort")
        }
        devices[address]?.servicesResolved = true
        devices[address]?.connecting = false
        setDeviceProperties(address, ["ServicesResolved": .boolean(true)])
        exportBattery(address)
        logger.info("\(address) connected, services resolved")

        guard let current = devices[address] else { return }
        if current.gattExported {
            startBehaviours(address)
        } else if current.config.gattExport == .delayed {
            Task { [self] in
                await pause(timing.gattExportDelayMs)
                exportGattIfStillConnected(address, epoch: epoch)
            }
        }
    }

    /// The device links up by itself, without any client calling Connect(): a bonded device reconnecting, or
    /// a neighbour's device the controller accepted. bluetoothd reports Connected and ServicesResolved and
    /// exports the GATT objects; `ConnectAttempts` does not count it.
    func connectFromDevice(_ address: BluetoothAddress) throws(DBusError) {
        guard adapterPresent, adapterPowered else {
            throw .remote(name: SimulatorControl.notPossibleError, message: "the adapter is off or absent")
        }
        guard let device = devices[address], device.inRange, !device.connected, !device.connecting, !device.linkBusy else {
            throw .remote(name: SimulatorControl.notPossibleError, message: "\(address) is out of range or already linked")
        }
        if !device.objectExists { exportDevice(address, rssi: device.config.rssi) }
        devices[address]?.epoch += 1
        devices[address]?.connected = true
        devices[address]?.servicesResolved = true
        setDeviceProperties(address, ["Connected": .boolean(true)])
        exportGatt(address)
        setDeviceProperties(address, ["ServicesResolved": .boolean(true)])
        exportBattery(address)
        startBehaviours(address)
        logger.info("\(address) connected by itself")
    }

    private func finishAbortedLink(_ address: BluetoothAddress, epoch: Int) {
        guard devices[address]?.epoch == epoch, devices[address]?.linkBusy == true else { return }
        devices[address]?.linkBusy = false
        setDeviceProperties(address, ["Connected": .boolean(false)])
    }

    private func exportGattIfStillConnected(_ address: BluetoothAddress, epoch: Int) {
        guard devices[address]?.epoch == epoch, devices[address]?.connected == true else { return }
        exportGatt(address)
        startBehaviours(address)
    }

    /// The link goes down (Disconnect(), the device hanging up, power off, removal).
    func dropConnection(_ address: BluetoothAddress, reason: String) {
        guard var device = devices[address], device.connected || device.linkBusy || device.connecting else { return }
        device.epoch += 1
        device.connected = false
        device.connecting = false
        device.linkBusy = false
        device.activeSenders = []
        device.racpBusy = false
        if device.config.quirks.forgetsSubscriptions {
            device.forgottenSubscriptions = Set(device.notifySessions.filter { !$0.value.isEmpty }.keys)
        }
        let wasResolved = device.servicesResolved
        device.servicesResolved = false
        devices[address] = device
        if wasResolved { setDeviceProperties(address, ["ServicesResolved": .boolean(false)]) }
        setDeviceProperties(address, ["Connected": .boolean(false)])
        if device.objectExists {
            try? bluetoothd?.connection.emitSignal(
                path: device.path, interface: BlueZNames.device, member: "Disconnected",
                arguments: [.string(reason), .string(reason == "org.bluez.Reason.Remote"
                    ? "Connection terminated by remote user" : "Connection terminated by local host")])
        }
        if device.batteryExported {
            devices[address]?.batteryExported = false
            bluetoothd?.server.remove(device.path, interfaces: [BlueZNames.battery])
        }
        if device.gattExported, !device.config.keepGattOnDisconnect {
            for service in device.layout.services { bluetoothd?.server.removeSubtree(service.path) }
            devices[address]?.gattExported = false
            devices[address]?.notifySessions = [:]
        }
        logger.info("\(address) disconnected (\(reason))")
    }

    func exportBattery(_ address: BluetoothAddress) {
        guard let device = devices[address], let battery = device.battery, !device.batteryExported else { return }
        devices[address]?.batteryExported = true
        bluetoothd?.server.add(device.path, interfaces: [
            DBusObjectServer.Interface(name: BlueZNames.battery, properties: [
                "Percentage": .byte(battery), "Source": .string("GATT Battery Service"),
            ]),
        ])
    }

    func setBattery(_ address: BluetoothAddress, _ percentage: UInt8) {
        devices[address]?.battery = percentage
        guard let device = devices[address], device.batteryExported else { return }
        bluetoothd?.server.setProperty(device.path, interface: BlueZNames.battery, "Percentage", .byte(percentage))
    }

    // MARK: Pairing

    /// Pair(): connects if needed, then runs the scenario's pairing method through the caller's agent
    /// (or the default agent): RequestPasskey for a meter that shows a passkey, and so on.
    func pair(_ address: BluetoothAddress, requestedBy sender: String?) async throws(DBusError) {
        guard let device = devices[address], device.objectExists else { throw .unknownObject("device gone") }
        guard !device.paired else { throw bluezError(.alreadyExists, "Already Paired") }
        guard !device.pairingInProgress else { throw bluezError(.inProgress, "In Progress") }
        devices[address]?.pairAttempts += 1
        if !device.connected {
            try await connect(address)
        }
        let agent = sender.flatMap { agents[$0] != nil ? $0 : nil } ?? defaultAgent
        try await authenticate(address, agentOwner: agent)
    }

    /// Runs the pairing method and bonds on success.
    func authenticate(_ address: BluetoothAddress, agentOwner: String?) async throws(DBusError) {
        guard let device = devices[address] else { throw .unknownObject("device gone") }
        guard !device.pairingInProgress else { throw bluezError(.inProgress, "In Progress") }
        let method = device.config.pairing?.method ?? .justWorks
        let passkey = device.config.pairing?.passkey ?? 0
        devices[address]?.pairingInProgress = true
        devices[address]?.pairingCancelled = false
        defer {
            devices[address]?.pairingInProgress = false
            devices[address]?.pairingTask = nil
            devices[address]?.pairingAgent = nil
        }
        if method != .justWorks {
            guard let agentOwner, let agent = agents[agentOwner], let connection = bluetoothd?.connection else {
                logger.warning("pairing \(address) needs an agent and none is registered")
                throw bluezError(.authenticationFailed, "Authentication Failed")
            }
            let (member, arguments): (String, [DBusValue]) = switch method {
            case .passkeyEntry: ("RequestPasskey", [.objectPath(device.path)])
            case .numericComparison: ("RequestConfirmation", [.objectPath(device.path), .uint32(passkey)])
            case .displayPasskey: ("DisplayPasskey", [.objectPath(device.path), .uint32(passkey), .uint16(0)])
            case .justWorks: ("", [])
            }
            let timeout = Duration.milliseconds(scenario.timing.agentTimeoutMs)
            let task = Task { () -> Result<[DBusValue], DBusError> in
                do throws(DBusError) {
                    return .success(try await connection.call(
                        destination: agentOwner, path: agent.path, interface: BlueZNames.agent, member: member,
                        arguments: arguments, timeout: timeout))
                } catch {
                    return .failure(error)
                }
            }
            devices[address]?.pairingTask = task
            devices[address]?.pairingAgent = (agentOwner, agent.path)
            let result = await task.value
            if devices[address]?.pairingCancelled == true {
                throw bluezError(.authenticationCanceled, "Authentication Canceled")
            }
            switch result {
            case .success(let reply):
                if method == .passkeyEntry {
                    guard reply.first?.uint32Value == passkey else {
                        logger.info("pairing \(address): wrong passkey")
                        throw bluezError(.authenticationFailed, "Authentication Failed")
                    }
                }
            case .failure(.remote(let name, _)) where name == BlueZErrorName.rejected.fullName:
                throw bluezError(.authenticationRejected, "Authentication Rejected")
            case .failure(.remote(let name, _)) where name == BlueZErrorName.canceled.fullName:
                throw bluezError(.authenticationCanceled, "Authentication Canceled")
            case .failure(.timedOut), .failure(.cancelled):
                try? await connection.send(destination: agentOwner, path: agent.path, interface: BlueZNames.agent,
                                           member: "Cancel")
                throw bluezError(.authenticationTimeout, "Authentication Timeout")
            case .failure(let error):
                logger.warning("agent failed while pairing \(address): \(error)")
                throw bluezError(.authenticationFailed, "Authentication Failed")
            }
        }
        if device.config.bluetoothd.pairWithoutBond {
            logger.info("\(address) paired (\(method.rawValue)) but no bond stored: Paired stays false")
            return
        }
        devices[address]?.paired = true
        devices[address]?.lostBond = false
        setDeviceProperties(address, ["Paired": .boolean(true), "Bonded": .boolean(true)])
        logger.info("\(address) paired (\(method.rawValue))")
    }

    func cancelPairing(_ address: BluetoothAddress) throws(DBusError) {
        guard let device = devices[address], device.pairingInProgress else {
            throw bluezError(.doesNotExist, "Does Not Exist")
        }
        devices[address]?.pairingCancelled = true
        device.pairingTask?.cancel()
        if let agent = device.pairingAgent, let connection = bluetoothd?.connection {
            Task {
                try? await connection.send(destination: agent.owner, path: agent.path, interface: BlueZNames.agent,
                                           member: "Cancel")
            }
        }
    }
}
