import BlueZ
import Foundation
import HealthProfiles
import ReadingStore
import Testing
import TestSupport
@testable import Gateway

/// What Debian bookworm's real bluetoothd 5.66 does that its documentation does not say (issue 18), played by
/// the simulator's `bluetoothd` quirks, against the supervisor and its visits.
@Suite(.serialized) struct RealBluetoothdBehaviourTests {
    static let oximeter = BluetoothAddress("00:A0:50:00:00:21")!
    static let meter = BluetoothAddress("C4:AD:34:00:00:23")!

    /// A spot-check oximeter that, like the Nonin 3230, stays connected after indicating its reading: the
    /// gateway must hang up. bluetoothd links it without announcing Connected, adds its own PnP ID service,
    /// and reports RSSI 127 ("not available", as btvirt does).
    static let scenario = """
        adapter: {name: hci0, address: "00:1A:7D:DA:71:13", powered: false}
        timing: {notificationIntervalMs: 5, disconnectAfterLastMs: 30, gattExportDelayMs: 50}
        devices:
          - address: "00:A0:50:00:00:21"
            name: "Nonin3230"
            rssi: 127
            advertisedServices: ["1822"]
            bluetoothd: {connectedUnannounced: true, pnpIdService: true}
            deviceInformation: {manufacturer: "Nonin Medical", model: "3230", serial: "502345678", firmware: "2.1"}
            services:
              - uuid: "1822"
                characteristics:
                  - {uuid: "2A5E", flags: [indicate], stored: ["00 61 00 48 00"]}
                  - {uuid: "2A60", flags: [read], value: "0000"}
          - address: "C4:AD:34:00:00:23"
            name: "ContourNext"
            paired: true
            advertisedServices: ["1808"]
            bluetoothd: {gattObjectIntervalMs: 40, connectedUnannounced: true, reconnectDelayMs: 2000}
            glucoseRecords:
              - "03 01 00 E8 07 04 11 08 1E 00 00 00 5A B0 11"
        """

    @Test func aConnectBluetoothdNeverAnnouncesStillEndsInAHangUpAndTheDeviceIsVisitedAgain() async throws {
        let fixture = try await DeviceSupervisorTests.start(scenario: Self.scenario,
                                                            provision: [(Self.oximeter.description, "pulse-oximeter")])
        let outcomes = StreamProbe(await fixture.supervisor.visitOutcomes())
        await fixture.supervisor.start()
        let first = try #require(try await outcomes.next(within: .seconds(30), "first visit"))
        #expect(first.hasSuffix(": ok"), "\(first)")
        // The visit waited for the reading and hung up; it did not take the missing Connected for a hang-up.
        let status = try #require(await fixture.supervisor.deviceStatuses().first)
        #expect(status.lastOutcome?.contains("device disconnected") == false, "\(status.lastOutcome ?? "-")")
        #expect(try await fixture.sim.control.deviceState(Self.oximeter).connected == false)
        #expect(fixture.sink.readings.count == 1)
        // bluetoothd's own Device Information service (PnP ID only) did not hide the device's.
        let sensor = try await fixture.store.sensor(SensorKey("bt:\(Self.oximeter)"))
        #expect(sensor?.model == "3230")

        // The next measurement: the oximeter advertises again and is visited again.
        try await fixture.sim.control.queueFrames(Self.oximeter, BluetoothUUID("2A5E")!, [[0x00, 0x60, 0x00, 0x4A, 0x00]])
        try await Task.sleep(for: .milliseconds(50))
        try await fixture.sim.control.advertise(Self.oximeter)
        let second = try #require(try await outcomes.next(within: .seconds(30), "second visit"))
        #expect(second.hasSuffix(": ok"), "\(second)")
        #expect(fixture.sink.readings.count == 2)
        #expect(try await fixture.sim.control.deviceState(Self.oximeter).connected == false)
        await fixture.stop()
    }

    /// The meter is bonded, so its link also comes up as slowly as a bonded reconnect did (2 s here, 10 s seen).
    @Test func characteristicsAnnouncedOneByOneAreAllWaitedFor() async throws {
        let fixture = try await DeviceSupervisorTests.start(scenario: Self.scenario,
                                                            provision: [(Self.meter.description, "glucose")])
        let outcomes = StreamProbe(await fixture.supervisor.visitOutcomes())
        await fixture.supervisor.start()
        let line = try #require(try await outcomes.next(within: .seconds(30), "glucometer visit"))
        #expect(line.hasSuffix(": ok"), "\(line)")
        #expect(fixture.sink.readings.map(\.1.sequenceNumber) == [1])
        #expect(try await fixture.sim.control.deviceState(Self.meter).connected == false)
        await fixture.stop()
    }

    @Test func anAdvertisementDuringTheBackoffIsNotLost() async throws {
        // Three aborted links in a row fail the first visit (the fixture's connect policy tries three times);
        // the oximeter advertises once during the back-off and then falls silent.
        let scenario = Self.scenario.replacingOccurrences(of: "rssi: 127", with: "rssi: 127\n    connectFailures: 3")
        let fixture = try await DeviceSupervisorTests.start(scenario: scenario,
                                                            provision: [(Self.oximeter.description, "pulse-oximeter")],
                                                            initialBackoff: .seconds(1))
        let outcomes = StreamProbe(await fixture.supervisor.visitOutcomes())
        await fixture.supervisor.start()
        let failed = try #require(try await outcomes.next(within: .seconds(30), "failed visit"))
        #expect(failed.contains("connect"), "\(failed)")
        try await fixture.sim.control.advertise(Self.oximeter)
        let retried = try #require(try await outcomes.next(within: .seconds(30), "visit after the back-off"))
        #expect(retried.hasSuffix(": ok"), "\(retried)")
        #expect(fixture.sink.readings.count == 1)
        await fixture.stop()
    }

    @Test func aVisitThatFailedAfterTheLinkWasUpHangsUpAndIsRetriedWithoutAnAdvertisement() async throws {
        // The GATT objects never appear (gattExport: manual): the visit fails after connecting.
        let scenario = Self.scenario.replacingOccurrences(of: "rssi: 127", with: "rssi: 127\n    gattExport: manual")
        let fixture = try await DeviceSupervisorTests.start(scenario: scenario,
                                                            provision: [(Self.oximeter.description, "pulse-oximeter")],
                                                            initialBackoff: .milliseconds(500),
                                                            characteristicTimeout: .milliseconds(500))
        let outcomes = StreamProbe(await fixture.supervisor.visitOutcomes())
        await fixture.supervisor.start()
        let failed = try #require(try await outcomes.next(within: .seconds(30), "failed visit"))
        #expect(failed.contains("characteristics"), "\(failed)")
        #expect(try await fixture.sim.control.deviceState(Self.oximeter).connected == false)
        let retried = try #require(try await outcomes.next(within: .seconds(30), "retry without an advertisement"))
        #expect(retried.hasPrefix(Self.oximeter.description), "\(retried)")
        #expect(try await fixture.sim.control.deviceState(Self.oximeter).connectAttempts >= 2)
        await fixture.stop()
    }

    @Test func rssi127IsNoReading() {
        let properties = DeviceProperties(["RSSI": .int16(127), "Address": .string("00:A0:50:00:00:21")])
        #expect(properties.rssi == nil)
        #expect(DeviceProperties(["RSSI": .int16(-61)]).rssi == -61)
    }
}
