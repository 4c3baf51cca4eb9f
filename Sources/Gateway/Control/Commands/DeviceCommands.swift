import CancellableTimers
import BlueZ
import DBus
import Foundation
import ReadingStore

extension GatewayCommands {
    var adapter: Adapter { runtime.bluez.adapter(named: runtime.configuration.bluetooth.adapter) }

    func devices() async throws(ControlError) -> [DeviceResult] {
        try await failing("devices") {
            let devices = try await runtime.registry.all()
            let sensors = try await runtime.store.sensors()
            let statuses = await runtime.supervisor.deviceStatuses()
            return devices.map { device in
                let sensor = sensors.first { $0.key.rawValue == device.sensorKey }
                let status = statuses.first { $0.address == device.address }
                return DeviceResult(
                    address: device.address, profile: device.profile, name: device.name, userIndex: device.userIndex,
                    manufacturer: sensor?.manufacturer, model: sensor?.model, serial: sensor?.serial,
                    firmware: sensor?.firmware, battery: sensor?.batteryLevel, clockOffsetSeconds: sensor?.clockOffset,
                    lastSeen: sensor?.lastSeenAt, lastVisit: device.lastVisitAt, lastVisitResult: device.lastVisitResult,
                    provisionedBy: device.provisionedBy, provisionedAt: device.provisionedAt,
                    visiting: status?.visiting ?? false, stored: status?.stored ?? 0, malformed: status?.malformed ?? 0,
                    droppedByRateLimit: status?.droppedByRateLimit ?? 0, advertised: status?.advertised,
                    recordsTakenElsewhere: status?.recordsTakenElsewhere)
            }
        }
    }

    /// Health devices in range: those bluetoothd already knows plus those advertising during the window.
    /// Each new one is reported as it is found.
    func scan(_ arguments: CommandArguments, session: ControlSession, requestID: Int) async throws(ControlError) -> [ScanResult] {
        let seconds = try arguments.int("seconds", default: 10, in: 1...120)
        let adapterStatus = await runtime.supervisor.adapterStatus()
        guard adapterStatus.bluetoothdRunning, adapterStatus.adapterPresent else {
            throw ControlError("bluetooth-unavailable", adapterStatus.lastProblem ?? "Bluetooth is not available")
        }
        var found: [String: ScanResult] = [:]
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline, !Task.isCancelled {
            for device in await adapter.devices() {
                guard let result = await scanResult(device), found[result.address] == nil, result.profile != nil else { continue }
                found[result.address] = result
                session.progress(
                    id: requestID, message: "\(result.address)  \(result.name ?? "?")  \(result.profile ?? "")",
                    detail: try? JSONValue(encoding: result))
            }
            try? await CancellableSleep.sleep(for: .milliseconds(500))
        }
        return found.values.sorted { $0.address < $1.address }
    }

    private func scanResult(_ device: Device) async -> ScanResult? {
        guard let properties = await device.properties(), let address = properties.address?.description else { return nil }
        let profile = runtime.catalog.profiles(forServiceUUIDs: properties.uuids, name: properties.name).first?.id
        let provisioned = ((try? await runtime.registry.device(address: address)) ?? nil) != nil
        return ScanResult(
            address: address, name: properties.name, rssi: properties.rssi.map(Int.init),
            services: properties.uuids.map { $0.short.map { String(format: "%04X", $0) } ?? $0.string },
            profile: profile, paired: properties.paired, provisioned: provisioned)
    }

    /// Pairs (bonding when the profile needs it, asking the technician for a passkey if the device shows
    /// one), trusts and provisions a device; the gateway visits it right away.
    func pair(_ arguments: CommandArguments, session: ControlSession, requestID: Int) async throws(ControlError) -> PairResult {
        let address = try arguments.bluetoothAddress()
        let technician = try arguments.required("by")
        let userIndex = try arguments.optional("user").map { _ throws(ControlError) in try arguments.int("user", default: 1, in: 1...255) }
        let timeout = try arguments.int("timeout", default: 30, in: 1...300)
        let memoryIsPatients = arguments.flag("memory-is-patients")
        let consentCode = try arguments.optional("consent").map { _ throws(ControlError) in try arguments.int("consent", default: 0, in: 0...9999) }
        if let broadcast = requestedBroadcastProfile(arguments) {
            return try await provisionBroadcastDevice(address, profile: broadcast, name: nil, arguments: arguments, technician: technician)
        }
        // --renew: a provisioned device that lost its bond; its stale bond goes, its provisioning stays.
        let renewing = arguments.flag("renew") ? try await removeStaleBond(address, arguments) : nil

        session.progress(id: requestID, message: "Waiting for \(address) (put the device in pairing mode)…")
        let device: Device
        do { device = try await adapter.waitForDevice(address, timeout: .seconds(timeout)) } catch {
            throw ControlError("not-found", "\(address) was not seen within \(timeout) s: is it in pairing mode and near the hub?")
        }
        guard let properties = await device.properties() else { throw ControlError("not-found", "\(address) disappeared") }
        let profile: String
        if let renewing {
            profile = renewing.profile
        } else if let requested = arguments.optional("profile") {
            guard runtime.catalog.profile(id: requested) != nil else {
                throw .badArguments("unknown profile '\(requested)' (known: \(runtime.catalog.profiles.map(\.id).sorted().joined(separator: ", ")))")
            }
            profile = requested
        } else {
            guard let guessed = runtime.catalog.profiles(forServiceUUIDs: properties.uuids, name: properties.name).first?.id else {
                throw ControlError("unsupported", "\(address) advertises no supported health service; pass --profile if it is a health device")
            }
            profile = guessed
        }
        if renewing == nil, runtime.catalog.profile(id: profile)?.broadcast != nil {
            return try await provisionBroadcastDevice(address, profile: profile, name: properties.name, arguments: arguments, technician: technician)
        }
        // A family cuff or scale: whose readings are the patient's is part of its provisioning (`ReadingOwner`).
        if runtime.catalog.profile(id: profile)?.multiUser == true, userIndex == nil, consentCode == nil {
            throw .badArguments("\(address) (\(profile)) remembers several people: give the patient's user number with --user N "
                + "(or --consent CODE to register them as a new user)")
        }
        if runtime.catalog.profile(id: profile)?.userConsent == true, consentCode == nil {
            throw .badArguments("\(address) (\(profile)) sends a user's data only with that user's consent code: give the patient's "
                + "with --consent CODE (and --user N, or alone to register them as a new user)")
        }
        let bondingRequired = runtime.catalog.profile(id: profile)?.bondingRequired ?? false
        var bonded = properties.paired
        if bondingRequired, !properties.paired {
            session.progress(id: requestID, message: "Pairing with \(address) (\(profile))…")
            await runtime.pairing.pairingStarted(device.path, by: .init(session: session, requestID: requestID))
            do {
                // Pair() connects first, and LE connections often abort on a busy radio: retry those.
                try await withRetries(policy: .bluetoothConnect, isRetryable: \.isRetryableConnectFailure,
                                      beforeRetry: { _, _ in try? await device.waitUntilDisconnected(timeout: .seconds(5)) }) { _ throws(BlueZError) in
                    try await device.pair()
                }
                bonded = await Self.reportsPaired(device)
            } catch {
                await runtime.pairing.pairingEnded(device.path)
                throw ControlError("pairing-failed", Self.pairingFailure(error))
            }
            await runtime.pairing.pairingEnded(device.path)
            guard bonded else { throw ControlError("pairing-failed", Self.bondNotStored(address)) }
        }
        do { try await device.setTrusted(true) } catch {
            throw ControlError("pairing-failed", "could not mark \(address) as trusted: \(error)")
        }
        if renewing != nil {
            await runtime.supervisor.bondRenewed(address)
            runtime.logger.notice("bond renewed; provisioning kept", metadata: ["device": "\(address)", "by": "\(technician)"])
            return PairResult(address: address.description, profile: profile, name: properties.name, bonded: bonded, renewed: true)
        }
        try await failing("provisioning") {
            try await runtime.registry.provision(
                address: address.description, profile: profile, name: properties.name, userIndex: userIndex,
                memoryIsPatients: memoryIsPatients, consentCode: consentCode, by: technician, at: Date())
        }
        await runtime.supervisor.reloadDevices()
        runtime.logger.notice("device provisioned", metadata: ["device": "\(address)", "profile": "\(profile)"])
        return PairResult(address: address.description, profile: profile, name: properties.name, bonded: bonded)
    }

    static func pairingFailure(_ error: BlueZError) -> String {
        switch error {
        case .bluez(.authenticationFailed, _): "pairing failed: wrong passkey, or the device was not in pairing mode"
        case .bluez(.authenticationCanceled, _), .bluez(.authenticationRejected, _): "pairing was cancelled"
        case .bluez(.authenticationTimeout, _): "pairing timed out: the device stopped answering"
        case .bluez(.connectionAttemptFailed, _): "could not connect to the device: bring it closer to the hub and retry"
        default: "pairing failed: \(error)"
        }
    }

    /// Removes a device from the hub and drops its bond; its stored readings are kept and still delivered.
    func forget(_ arguments: CommandArguments) async throws(ControlError) -> [String: Bool] {
        let address = try arguments.bluetoothAddress()
        let removed = try await failing("forget") { try await runtime.registry.forget(address: address.description) }
        guard removed else { throw ControlError("not-found", "\(address) is not provisioned on this hub") }
        await runtime.supervisor.reloadDevices()
        do { try await adapter.removeDevice(address.devicePath(on: adapter.path)) } catch .bluez(.doesNotExist, _) {
        } catch {
            runtime.logger.warning("bond of \(address) not removed: \(error)")
        }
        runtime.logger.notice("device forgotten", metadata: ["device": "\(address)"])
        return ["forgotten": true]
    }

    func visit(_ arguments: CommandArguments) async throws(ControlError) -> [String: Bool] {
        return ["started": await runtime.supervisor.visitNow(try arguments.bluetoothAddress())]
    }
}
