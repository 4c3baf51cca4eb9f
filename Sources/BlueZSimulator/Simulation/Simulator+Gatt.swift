import BlueZ
import DBus
import HealthProfiles

/// GATT objects, reads, writes, notify sessions and the scripted notification behaviours.
extension Simulator {
    /// Exports GattService1/GattCharacteristic1/GattDescriptor1 objects (once; bluetoothd keeps them
    /// for a known device across disconnects unless the scenario says otherwise).
    func exportGatt(_ address: BluetoothAddress) {
        guard let device = devices[address], !device.gattExported, let server = bluetoothd?.server else { return }
        devices[address]?.gattExported = true
        var objects: [(ObjectPath, [DBusObjectServer.Interface])] = []
        for service in device.layout.services {
            objects.append((service.path, [DBusObjectServer.Interface(name: BlueZNames.gattService, properties: [
                "UUID": .string(service.config.uuid.string), "Primary": .boolean(true),
                "Device": .objectPath(device.path), "Handle": .uint16(service.handle),
                "Includes": .objectPaths([]),
            ])]))
            for characteristic in service.config.characteristics {
                guard let layout = device.layout.characteristics[characteristic.uuid] else { continue }
                var properties: [String: DBusValue] = [
                    "UUID": .string(characteristic.uuid.string), "Service": .objectPath(service.path),
                    "Flags": .strings(characteristic.flags), "Value": .bytes([]),
                    "Handle": .uint16(layout.handle), "MTU": .uint16(247),
                ]
                if layout.cccdPath != nil { properties["Notifying"] = .boolean(device.isNotifying(characteristic.uuid)) }
                let uuid = characteristic.uuid
                objects.append((layout.path, [DBusObjectServer.Interface(
                    name: BlueZNames.gattCharacteristic, properties: properties,
                    methods: { [self] call in
                        .deferred { () async throws(DBusError) -> [DBusValue] in
                            try await self.characteristicMethod(address, uuid, call)
                        }
                    })]))
                if let cccdPath = layout.cccdPath {
                    objects.append((cccdPath, [DBusObjectServer.Interface(name: BlueZNames.gattDescriptor, properties: [
                        "UUID": .string(GattLayout.cccdUUID.string), "Characteristic": .objectPath(layout.path),
                        "Value": .bytes([]), "Handle": .uint16(layout.handle &+ 1),
                    ])]))
                }
            }
        }
        guard let interval = device.config.bluetoothd.gattObjectIntervalMs, interval > 0 else {
            for (path, interfaces) in objects { server.add(path, interfaces: interfaces) }
            return finishGattExport(address)
        }
        // The real bluetoothd announces each object in its own InterfacesAdded; spaced out, a client that
        // looks for a characteristic as soon as the first one appears misses the later ones.
        let epoch = device.epoch
        Task { [self] in
            for (path, interfaces) in objects {
                guard devices[address]?.epoch == epoch else { return }
                server.add(path, interfaces: interfaces)
                await pause(interval)
            }
            finishGattExport(address)
        }
    }

    private func finishGattExport(_ address: BluetoothAddress) {
        setDeviceProperties(address, ["UUIDs": .strings(devices[address]?.advertisedUUIDs ?? [])])
        logger.info("GATT objects of \(address) exported")
    }

    func characteristicMethod(_ address: BluetoothAddress, _ uuid: BluetoothUUID, _ call: DBusMethodCall)
        async throws(DBusError) -> [DBusValue]
    {
        switch call.member {
        case "ReadValue":
            try call.expectSignature("a{sv}")
            let options = call.arguments[0].variantDictionaryValue ?? [:]
            let value = try await readValue(address, uuid, offset: options["offset"]?.uint16Value ?? 0)
            if let fault = devices[address]?.config.faults.readValue { return [fault.value] }
            return [.bytes(value)]
        case "WriteValue":
            try call.expectSignature("aya{sv}")
            let options = call.arguments[1].variantDictionaryValue ?? [:]
            try await writeValue(address, uuid, call.arguments[0].bytesValue ?? [],
                                 type: options["type"]?.stringValue)
            return []
        case "StartNotify":
            try await startNotify(address, uuid, sender: call.sender ?? "")
            return []
        case "StopNotify":
            try stopNotify(address, uuid, sender: call.sender ?? "")
            return []
        case "AcquireNotify", "AcquireWrite":
            throw bluezError(.notSupported, "Operation is not supported")
        default:
            throw .unknownMethod("\(BlueZNames.gattCharacteristic).\(call.member)")
        }
    }

    private func requireConnected(_ address: BluetoothAddress) throws(DBusError) -> SimulatedDevice {
        guard let device = devices[address], device.connected else { throw bluezError(.failed, "Not connected") }
        return device
    }

    /// Protected services need a bond: without one bluetoothd answers NotPermitted "Not paired", or —
    /// as some stacks do on insufficient authentication — pairs on the spot through the default agent.
    private func requireAuthentication(_ address: BluetoothAddress, _ uuid: BluetoothUUID) async throws(DBusError) {
        guard let device = devices[address], let pairing = device.config.pairing,
              let service = device.config.service(containing: uuid),
              pairing.requiredForServices.contains(service.uuid)
        else { return }
        if device.paired, device.lostBond {
            // Encryption with the keys the device forgot fails (HCI "PIN or Key Missing").
            throw bluezError(.authenticationFailed, "PIN or Key Missing")
        }
        guard !device.paired else { return }
        switch pairing.onInsufficientAuthentication {
        case .reject:
            throw bluezError(.notPermitted, "Not paired")
        case .pair:
            logger.info("insufficient authentication on \(uuid): pairing \(address) through the default agent")
            do {
                try await authenticate(address, agentOwner: defaultAgent)
            } catch {
                throw bluezError(.notPermitted, "Not paired")
            }
        }
    }

    func readValue(_ address: BluetoothAddress, _ uuid: BluetoothUUID, offset: UInt16) async throws(DBusError)
        -> [UInt8]
    {
        let device = try requireConnected(address)
        guard let layout = device.layout.characteristics[uuid], layout.config.flags.contains("read") else {
            throw bluezError(.notPermitted, "Read not permitted")
        }
        try await requireAuthentication(address, uuid)
        let value = devices[address]?.values[uuid] ?? []
        guard Int(offset) <= value.count else { throw bluezError(.invalidArguments, "Invalid offset") }
        setCharacteristicProperties(address, uuid, ["Value": .bytes(value)])
        return Array(value[Int(offset)...])
    }

    func writeValue(_ address: BluetoothAddress, _ uuid: BluetoothUUID, _ value: [UInt8], type: String?)
        async throws(DBusError)
    {
        let device = try requireConnected(address)
        guard let layout = device.layout.characteristics[uuid] else { throw bluezError(.notPermitted, "Write not permitted") }
        let flags = layout.config.flags
        let allowed = switch type {
        case "command": flags.contains("write-without-response")
        case "request", "reliable": flags.contains("write")
        default: flags.contains("write") || flags.contains("write-without-response")
        }
        guard allowed else { throw bluezError(.notPermitted, "Write not permitted") }
        try await requireAuthentication(address, uuid)
        devices[address]?.written[uuid, default: []].append(value)
        if uuid == GATTCharacteristic.recordAccessControlPoint.uuid {
            try startRecordAccess(address, request: value)
            return
        }
        if uuid == UserDataConfig.controlPoint, devices[address]?.config.userData != nil {
            try handleUserControlPoint(address, value)
            return
        }
        devices[address]?.values[uuid] = value
        logger.info("\(address) \(uuid) written: \(value.count) byte(s)")
        if uuid == GATTCharacteristic.dateTime.uuid, device.config.quirks.dateTimeBeforeSubscribing {
            setClockFromDateTime(address)
        }
        if uuid == AscensiaClock.characteristic, device.config.quirks.ascensiaClock {
            setAscensiaClock(address, value)
        }
    }

    /// Date Time sets the clock only while nothing is subscribed on this link: written after subscribing, the
    /// device ignores it (`quirks.dateTimeBeforeSubscribing`).
    private func setClockFromDateTime(_ address: BluetoothAddress) {
        guard let device = devices[address] else { return }
        let subscribed = device.layout.characteristics.keys.filter { device.sends($0) }
        guard subscribed.isEmpty else {
            logger.info("\(address) ignores Date Time written after subscribing")
            return
        }
        devices[address]?.clockSet = true
    }

    func startNotify(_ address: BluetoothAddress, _ uuid: BluetoothUUID, sender: String) async throws(DBusError) {
        let device = try requireConnected(address)
        guard let layout = device.layout.characteristics[uuid], layout.cccdPath != nil else {
            throw bluezError(.notSupported, "Operation is not supported")
        }
        try await requireAuthentication(address, uuid)
        guard devices[address]?.notifySessions[uuid]?.contains(sender) != true else { return }
        devices[address]?.notifySessions[uuid, default: []].insert(sender)
        if devices[address]?.notifySessions[uuid]?.count == 1 {
            // The first session writes the device's CCCD (the only time bluetoothd does).
            devices[address]?.forgottenSubscriptions.remove(uuid)
            setCharacteristicProperties(address, uuid, ["Notifying": .boolean(true)])
        }
        startBehaviour(address, uuid)
    }

    func stopNotify(_ address: BluetoothAddress, _ uuid: BluetoothUUID, sender: String) throws(DBusError) {
        guard devices[address]?.notifySessions[uuid]?.remove(sender) != nil else {
            throw bluezError(.failed, "No notify session started")
        }
        if devices[address]?.isNotifying(uuid) == false {
            devices[address]?.forgottenSubscriptions.remove(uuid)
            setCharacteristicProperties(address, uuid, ["Notifying": .boolean(false)])
        }
    }

    /// A notification or indication: Value changes, announced even when equal to the last one.
    func notify(_ address: BluetoothAddress, _ uuid: BluetoothUUID, _ value: [UInt8]) {
        for noise in devices[address]?.config.faults.notificationNoise ?? [] {
            setCharacteristicProperties(address, uuid, ["Value": noise.value], alwaysEmit: true)
        }
        devices[address]?.values[uuid] = value
        setCharacteristicProperties(address, uuid, ["Value": .bytes(value)], alwaysEmit: true)
        if let delay = devices[address]?.config.faults.duplicateNotificationsAfterMs, let epoch = devices[address]?.epoch {
            Task { [self] in await deliverAgain(address, uuid, value, after: delay, epoch: epoch) }
        }
    }

    /// The `duplicateNotificationsAfterMs` fault: the same Value change once more, on the same connection.
    private func deliverAgain(_ address: BluetoothAddress, _ uuid: BluetoothUUID, _ value: [UInt8], after delay: Int,
                              epoch: Int) async {
        await pause(delay)
        guard let device = devices[address], device.epoch == epoch, device.connected else { return }
        setCharacteristicProperties(address, uuid, ["Value": .bytes(value)], alwaysEmit: true)
    }

    // MARK: Scripted behaviour

    /// Re-arms every characteristic that has notify sessions (after a reconnection, or GATT export).
    func startBehaviours(_ address: BluetoothAddress) {
        guard let device = devices[address] else { return }
        for (uuid, sessions) in device.notifySessions where !sessions.isEmpty {
            startBehaviour(address, uuid)
        }
    }

    /// Starts sending what the characteristic has to send, if connected, exported and notifying.
    func startBehaviour(_ address: BluetoothAddress, _ uuid: BluetoothUUID) {
        guard let device = devices[address], device.connected, device.gattExported, device.sends(uuid),
              !device.activeSenders.contains(uuid), let config = device.layout.characteristics[uuid]?.config
        else { return }
        let epoch = device.epoch
        if !(device.queues[uuid] ?? []).isEmpty {
            devices[address]?.activeSenders.insert(uuid)
            Task { [self] in await sendStored(address, uuid, epoch: epoch) }
        } else if let stream = config.stream {
            devices[address]?.activeSenders.insert(uuid)
            Task { [self] in await sendStream(address, uuid, stream, epoch: epoch) }
        }
    }

    func isLive(_ address: BluetoothAddress, _ uuid: BluetoothUUID, epoch: Int) -> Bool {
        guard let device = devices[address] else { return false }
        return device.epoch == epoch && device.connected && device.sends(uuid)
    }

    /// Stored readings, oldest first, each sent once; then the device may hang up.
    private func sendStored(_ address: BluetoothAddress, _ uuid: BluetoothUUID, epoch: Int) async {
        var sent = 0
        while true {
            await pause(scenario.timing.notificationIntervalMs)
            guard isLive(address, uuid, epoch: epoch), let frame = devices[address]?.queues[uuid]?.first else { break }
            devices[address]?.queues[uuid]?.removeFirst()
            let clockUnset = devices[address].map { $0.config.quirks.dateTimeBeforeSubscribing && !$0.clockSet } ?? false
            notify(address, uuid, clockUnset ? FactoryClock.restamped(frame, on: uuid) : frame)
            sent += 1
        }
        guard devices[address]?.epoch == epoch else { return }
        devices[address]?.activeSenders.remove(uuid)
        logger.info("\(address) sent \(sent) stored frame(s) on \(uuid)")
        guard sent > 0, devices[address]?.layout.characteristics[uuid]?.config.disconnectAfterStored == true else {
            return
        }
        await pause(scenario.timing.disconnectAfterLastMs)
        guard devices[address]?.epoch == epoch else { return }
        dropConnection(address, reason: "org.bluez.Reason.Remote")
    }

    private func sendStream(_ address: BluetoothAddress, _ uuid: BluetoothUUID, _ stream: StreamConfig,
                            epoch: Int) async {
        var index = 0
        while true {
            await pause(stream.intervalMs)
            guard isLive(address, uuid, epoch: epoch) else { break }
            if index == stream.frames.count {
                guard stream.repeat else { break }
                index = 0
            }
            notify(address, uuid, stream.frames[index])
            index += 1
        }
        if devices[address]?.epoch == epoch { devices[address]?.activeSenders.remove(uuid) }
    }

    // MARK: Record Access Control Point

    /// A RACP write is acknowledged at once; the records (Glucose Measurement notifications) and the
    /// RACP response indication follow, as from a real meter.
    private func startRecordAccess(_ address: BluetoothAddress, request: [UInt8]) throws(DBusError) {
        guard let device = devices[address] else { return }
        let racp = GATTCharacteristic.recordAccessControlPoint.uuid
        let measurement = GATTCharacteristic.glucoseMeasurement.uuid
        // Both CCCDs must be enabled first (Glucose Profile): ATT error 0xFD otherwise.
        guard device.sends(racp), device.sends(measurement) else {
            throw bluezError(.failed, "Operation failed with ATT error: 0xfd")
        }
        let plan = RecordAccessControlPoint.plan(for: request, records: device.glucoseRecords)
        if plan.isAbort {
            devices[address]?.racpBusy = false
            notify(address, racp, plan.indications.first ?? [])
            return
        }
        // Another procedure while one runs: ATT error 0x80 (Procedure Already In Progress).
        guard !device.racpBusy else { throw bluezError(.failed, "Operation failed with ATT error: 0x80") }
        devices[address]?.racpBusy = true
        devices[address]?.glucoseRecords.removeAll { plan.deleting.contains($0.sequence) }
        let epoch = device.epoch
        Task { [self] in await runRecordAccess(address, plan, epoch: epoch) }
    }

    private func runRecordAccess(_ address: BluetoothAddress, _ plan: RecordAccessControlPoint.Plan, epoch: Int) async {
        let racp = GATTCharacteristic.recordAccessControlPoint.uuid
        let measurement = GATTCharacteristic.glucoseMeasurement.uuid
        let context = GATTCharacteristic.glucoseMeasurementContext.uuid
        let unsetClock = devices[address].map { $0.config.quirks.ascensiaClock && $0.ascensiaClockEpoch != epoch } ?? false
        if unsetClock, !plan.records.isEmpty { logger.info("\(address) sends its records stamped by its unset clock") }
        for record in plan.records {
            await pause(scenario.timing.notificationIntervalMs)
            guard isLive(address, measurement, epoch: epoch), devices[address]?.racpBusy == true else { return }
            notify(address, measurement, unsetClock ? FactoryClock.restamped(record.frame, on: measurement) : record.frame)
            // A context follows its measurement at once (the Accu-Chek Guide's seq 12 in the mySugr trace).
            if let frame = record.context, isLive(address, context, epoch: epoch) { notify(address, context, frame) }
        }
        await pause(scenario.timing.notificationIntervalMs)
        guard isLive(address, racp, epoch: epoch), devices[address]?.racpBusy == true else { return }
        for indication in plan.indications { notify(address, racp, indication) }
        devices[address]?.racpBusy = false
        devices[address]?.recordTransfers += 1
        if let delay = devices[address]?.config.quirks.hangsUpAfterTransferMs, let transfers = devices[address]?.recordTransfers {
            Task { [self] in await hangUpAfterTransfer(address, delay: delay, epoch: epoch, transfers: transfers) }
        }
    }

    /// The meter ends the link by itself once its transfer is over and nothing else was asked (`quirks.hangsUpAfterTransferMs`).
    private func hangUpAfterTransfer(_ address: BluetoothAddress, delay: Int, epoch: Int, transfers: Int) async {
        await pause(delay)
        guard let device = devices[address], device.epoch == epoch, device.connected, !device.racpBusy,
              device.recordTransfers == transfers
        else { return }
        logger.info("\(address) hangs up after its record transfer")
        dropConnection(address, reason: "org.bluez.Reason.Remote")
    }
}
