import BlueZ
import BlueZSimulator
import DBus
import HealthProfiles
import TestSupport
import Testing

@Suite struct NotificationTests {
    @Test func cuffIndicatesStoredReadingsThenHangsUpAndNotifyRearmsOnReconnect() async throws {
        let fixture = try await Fixture.start(Scenarios.cuff())
        let cuff = try await fixture.discover(Addresses.cuff)
        try await cuff.connect(retrying: .bluetoothConnect)
        let measurement = try await cuff.characteristic(GATTCharacteristic.bpm, service: GATTService.bloodPressure.uuid)
        let values = StreamProbe(await measurement.valueUpdates())
        try await measurement.startNotify()

        #expect(try await values.next(within: .seconds(10), "first stored reading") == Frames.bloodPressure)
        // The malformed (all-NaN) frame is delivered exactly as sent: judging it is the decoder's job.
        #expect(try await values.next(within: .seconds(10), "second stored reading") == Frames.cuffError)
        try await cuff.waitUntilDisconnected(timeout: .seconds(10))
        #expect(await measurement.properties()?.notifying == true)

        // The next measurement: the cuff reconnects and bluetoothd re-arms the notification by itself.
        let next: [UInt8] = [0x1E, 0x7D, 0x00, 0x50, 0x00, 0x64, 0x00, 0x00, 0x00, 0x04, 0x12, 0x08, 0x00, 0x00, 0x48,
                             0x00, 0x01, 0x00, 0x00]
        try await fixture.control.queueFrames(Addresses.cuff, GATTCharacteristic.bpm, [next])
        try await cuff.connect(retrying: .bluetoothConnect)
        #expect(try await values.next(within: .seconds(10), "reading after reconnection") == next)
        try await cuff.waitUntilDisconnected(timeout: .seconds(10))
        #expect(try await fixture.control.deviceState(Addresses.cuff).queued[GATTCharacteristic.bpm] == 0)
        await fixture.stop()
    }

    @Test func oximeterStreamsUntilStopNotify() async throws {
        let fixture = try await Fixture.start(Scenarios.oximeter)
        let oximeter = try #require(await fixture.client.device(address: Addresses.oximeter))
        try await oximeter.connect()
        let continuous = try await oximeter.characteristic(GATTCharacteristic.plxContinuousMeasurement.uuid)
        let values = StreamProbe(await continuous.valueUpdates())
        try await continuous.startNotify()
        try await continuous.startNotify()  // a second session of the same client is a no-op
        var received: [[UInt8]] = []
        for index in 0..<5 {
            received.append(try #require(try await values.next(within: .seconds(10), "frame \(index)")))
        }
        #expect(received == [[0, 0x61, 0, 0x48, 0], [0, 0x60, 0, 0x49, 0], [0, 0x62, 0, 0x47, 0],
                             [0, 0x61, 0, 0x48, 0], [0, 0x60, 0, 0x49, 0]])
        try await continuous.stopNotify()
        try await fixture.client.mirror.waitForProperty(continuous.path, interface: BlueZNames.gattCharacteristic,
                                                        "Notifying", timeout: .seconds(10)) { $0?.boolValue == false }
        #expect(try await fixture.control.deviceState(Addresses.oximeter).notifying.isEmpty)
        await #expect(throws: BlueZError.bluez(.failed, message: "No notify session started")) {
            try await continuous.stopNotify()
        }
        await fixture.stop()
    }

    @Test func notifySessionsEndWhenTheClientLeavesTheBus() async throws {
        let fixture = try await Fixture.start(Scenarios.oximeter)
        let other = try await fixture.bluetooth.makeClient()
        let oximeter = try #require(await other.device(address: Addresses.oximeter))
        try await oximeter.connect()
        let continuous = try await oximeter.characteristic(GATTCharacteristic.plxContinuousMeasurement.uuid)
        try await continuous.startNotify()
        let watched = fixture.client.device(oximeter.path)
        let path = continuous.path
        try await fixture.client.mirror.waitForProperty(path, interface: BlueZNames.gattCharacteristic, "Notifying",
                                                        timeout: .seconds(10)) { $0?.boolValue == true }
        await other.close()
        try await fixture.client.mirror.waitForProperty(path, interface: BlueZNames.gattCharacteristic, "Notifying",
                                                        timeout: .seconds(10)) { $0?.boolValue == false }
        #expect(await watched.properties()?.connected == true)
        await fixture.stop()
    }
}
