import BlueZ
import BlueZSimulator
import DBus
import HealthProfiles
import TestSupport
import Testing

@Suite struct ConnectionTests {
    @Test func characteristicsAreAwaitedWhenExportedAfterServicesResolved() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff(gattExport: "manual"))
        let cuff = try await fixture.discover(Addresses.cuff)
        try await cuff.connect()
        let properties = try #require(await cuff.properties())
        #expect(properties.connected && properties.servicesResolved)
        // ServicesResolved is true, yet bluetoothd has not exported a single characteristic.
        #expect(await cuff.characteristics().isEmpty)

        let lookup = Task { try await cuff.characteristic(GATTCharacteristic.bpm, service: GATTService.bloodPressure.uuid,
                                                          timeout: .seconds(10)) }
        try await fixture.control.exportGatt(Addresses.cuff)
        let measurement = try await lookup.value
        #expect(measurement.path.isDescendant(of: cuff.path))
        #expect(await measurement.properties()?.flags == .indicate)
        // A characteristic in another service is not mistaken for it.
        await #expect(throws: BlueZError.timedOut("characteristic \(GATTCharacteristic.bpm) on \(cuff.path)")) {
            _ = try await cuff.characteristic(GATTCharacteristic.bpm, service: GATTService.currentTime.uuid,
                                              timeout: .milliseconds(200))
        }
        await fixture.stop()
    }

    @Test func delayedExportIsAwaitedToo() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff(gattExport: "delayed"))
        let cuff = try await fixture.discover(Addresses.cuff)
        try await cuff.connect()
        let time = try await cuff.characteristic(GATTCharacteristic.currentTime.uuid, timeout: .seconds(10))
        #expect(try await time.readValue() == [0xE8, 0x07, 0x04, 0x11, 0x14, 0x29, 0x3B, 0x03, 0x00, 0x00])
        await fixture.stop()
    }

    @Test func connectIsRetriedAfterLEConnectionAbort() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff(connectFailures: 2))
        let cuff = try await fixture.discover(Addresses.cuff)
        try await cuff.connect(retrying: ConnectRetryPolicy(maxAttempts: 4, initialDelay: .milliseconds(20),
                                                     maxDelay: .milliseconds(100)))
        #expect(await cuff.properties()?.connected == true)
        #expect(try await fixture.control.deviceState(Addresses.cuff).connectAttempts == 3)
        await fixture.stop()
    }

    @Test func singleAttemptReportsTheAbortAsRetryable() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff(connectFailures: 1))
        let cuff = try await fixture.discover(Addresses.cuff)
        do {
            try await cuff.connect()
            Issue.record("the scripted failure did not happen")
        } catch {
            #expect(error == .bluez(.failed, message: "le-connection-abort-by-local"))
            #expect(error.isConnectionAbort && error.isRetryableConnectFailure)
        }
        // bluetoothd reports the aborted link going down; only then does a new attempt succeed.
        try await cuff.waitUntilDisconnected(timeout: .seconds(10))
        try await cuff.connect()
        #expect(await cuff.properties()?.connected == true)
        await fixture.stop()
    }

    @Test func outOfRangeDeviceFailsAfterAllAttempts() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff())
        let away = try #require(await fixture.client.device(address: Addresses.away))
        do {
            try await away.connect(retrying: ConnectRetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(10),
                                                         maxDelay: .milliseconds(20)))
            Issue.record("connected to a device out of range")
        } catch {
            #expect(error.isConnectionAbort)
        }
        #expect(try await fixture.control.deviceState(Addresses.away).connectAttempts == 3)
        // Back in range, it connects.
        try await fixture.control.setInRange(Addresses.away, true)
        try await away.connect()
        #expect(await away.properties()?.connected == true)
        await fixture.stop()
    }

    @Test func deviceInformationStringsAreRead() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff())
        let cuff = try await fixture.discover(Addresses.cuff)
        try await cuff.connect()
        let expected: [(GATTCharacteristic, String)] = [
            (.manufacturerNameString, "A&D Medical"), (.modelNumberString, "UA-651BLE"),
            (.serialNumberString, "5150123456"), (.firmwareRevisionString, "1.2.0"),
        ]
        for (characteristic, text) in expected {
            let found = try await cuff.characteristic(characteristic.uuid, service: GATTService.deviceInformation.uuid)
            #expect(String(decoding: try await found.readValue(), as: UTF8.self) == text)
        }
        let manufacturer = try await cuff.characteristic(GATTCharacteristic.manufacturerNameString.uuid)
        #expect(try await manufacturer.readValue(offset: 4) == Array("Medical".utf8))

        let measurement = try await cuff.characteristic(GATTCharacteristic.bpm)
        await #expect(throws: BlueZError.bluez(.notPermitted, message: "Read not permitted")) {
            _ = try await measurement.readValue()
        }
        await fixture.stop()
    }

    @Test func currentTimeWritesReachTheDevice() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff())
        let cuff = try await fixture.discover(Addresses.cuff)
        try await cuff.connect()
        let time = try await cuff.characteristic(GATTCharacteristic.currentTime.uuid)
        let now: [UInt8] = [0xEA, 0x07, 0x0B, 0x17, 0x0C, 0x00, 0x00, 0x01, 0x00, 0x01]
        try await time.writeValue(now, type: .request)
        #expect(try await fixture.control.writtenValues(Addresses.cuff, GATTCharacteristic.currentTime.uuid) == [now])
        #expect(try await time.readValue() == now)
        await #expect(throws: BlueZError.bluez(.notPermitted, message: "Write not permitted")) {
            try await time.writeValue(now, type: .command)
        }
        await fixture.stop()
    }

    @Test func batteryLevelComesFromBattery1() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff())
        let cuff = try await fixture.discover(Addresses.cuff)
        #expect(await cuff.battery.percentage() == nil)
        let updates = StreamProbe(await cuff.battery.percentageUpdates())
        try await cuff.connect()
        #expect(try await cuff.battery.waitForPercentage(timeout: .seconds(10)) == 80)
        #expect(try await updates.next(within: .seconds(10), "battery appears") == 80)
        try await fixture.control.setBattery(Addresses.cuff, 55)
        #expect(try await updates.next(within: .seconds(10), "battery update") == 55)
        // No GATT Battery service is exposed: bluetoothd keeps it to itself.
        #expect(await cuff.characteristics().allSatisfy { $0.uuid != GATTCharacteristic.batteryLevel.uuid })
        await fixture.stop()
    }

    @Test func disconnectIsObserved() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff())
        let cuff = try await fixture.discover(Addresses.cuff)
        try await cuff.connect()
        try await cuff.connect()  // already connected: fine
        try await cuff.disconnect()
        try await cuff.waitUntilDisconnected(timeout: .seconds(10))
        #expect(await cuff.properties()?.servicesResolved == false)
        try await cuff.disconnect()  // not connected: fine
        await fixture.stop()
    }
}
