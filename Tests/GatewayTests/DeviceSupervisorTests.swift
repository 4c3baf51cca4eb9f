import BlueZ
import DeviceProfiles
import Foundation
import HealthProfiles
import Logging
import ReadingStore
import Synchronization
import Testing
import TestSupport
@testable import Gateway

/// Records what the supervisor hands to the pipeline. The durable pipeline itself is exercised by the
/// end-to-end tests; here the subject is the BlueZ side: which frames of which devices arrive, in order.
final class RecordingSink: ReadingSink {
    let received = Mutex<[(String, Reading)]>([])
    func accept(_ reading: FramedReading, from device: ProvisionedDevice, receivedAt: Date, clockOffset: TimeInterval?)
        async throws -> ReadingAcceptance {
        received.withLock { $0.append((device.address, reading.reading)) }
        return .stored
    }
    var readings: [(String, Reading)] { received.withLock { $0 } }
}

@Suite(.serialized) struct DeviceSupervisorTests {
    static let scenario = """
        adapter: {name: hci0, address: "00:1A:7D:DA:71:13", powered: false}
        timing: {notificationIntervalMs: 5, disconnectAfterLastMs: 30, gattExportDelayMs: 80}
        devices:
          - address: "A0:9E:1A:00:00:01"
            name: "UA-651BLE"
            advertisedServices: ["1810"]
            connectFailures: 1
            gattExport: delayed
            deviceInformation: {manufacturer: "A&D Medical", model: "UA-651BLE", serial: "5150123456", firmware: "1.2.0"}
            services:
              - uuid: "1810"
                characteristics:
                  - {uuid: "2A35", flags: [indicate], disconnectAfterStored: true,
                     stored: ["1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00",
                              "16 FF 07 FF 07 FF 07 E8 07 06 17 0E 23 0A FF 07 00 00", "1E 8A"]}
                  - {uuid: "2A49", flags: [read], value: "0300"}
              - uuid: "1805"
                characteristics:
                  - {uuid: "2A2B", flags: [read, write], value: "E8 07 04 11 14 29 3B 03 00 00"}
          - address: "C4:AD:34:00:00:03"
            name: "ContourNext"
            paired: true
            advertisedServices: ["1808"]
            glucoseRecords:
              - "03 01 00 E8 07 04 11 08 1E 00 00 00 5A B0 11"
              - "03 02 00 E8 07 04 12 08 1E 00 00 00 64 B0 11"
          - address: "5C:31:3E:00:00:09"
            name: "Neighbour's scale"
            advertisedServices: ["181D"]
            services:
              - uuid: "181D"
                characteristics:
                  - {uuid: "2A9D", flags: [indicate], stored: ["02 E4 38 E8 07 04 11 07 00 00"], disconnectAfterStored: true}
        """

    struct Fixture {
        let sim: SimulatedBluetooth
        let client: BlueZClient
        let store: ReadingStore
        let registry: DeviceRegistry
        let supervisor: DeviceSupervisor
        let sink: RecordingSink
        let directory: URL

        func stop() async {
            await supervisor.stop()
            await client.close()
            await sim.stop()
            try? store.close()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static func start(scenario: String = scenario, provision: [(String, String)],
                      initialBackoff: Duration = .seconds(5), characteristicTimeout: Duration = .seconds(5)) async throws -> Fixture {
        let sim = try await SimulatedBluetooth.start(scenario: scenario)
        let client = try await sim.makeClient()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sup-\(UUID().uuidString.prefix(8))")
        let store = try ReadingStore.open(StoreConfiguration(path: directory.appendingPathComponent("g.sqlite").path),
                                          migrations: DeviceRegistry.migrations)
        let registry = DeviceRegistry(store: store)
        for (address, profile) in provision {
            try await registry.provision(address: address, profile: profile, name: nil, by: "tech", at: Date())
        }
        let catalog = try DeviceProfileCatalog.load(directory: RepositoryPaths.profiles + "/devices")
        let sink = RecordingSink()
        var logger = Logger(label: "test")
        logger.logLevel = ProcessInfo.processInfo.environment["DHO_TEST_LOG"] == nil ? .warning : .trace
        let visit = VisitSettings(
            timeZone: TimeZone(identifier: "Europe/Oslo")!,
            connectPolicy: ConnectRetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(20), maxDelay: .milliseconds(50)),
            characteristicTimeout: characteristicTimeout, quietPeriod: .milliseconds(500), collectionWindow: .seconds(5),
            controlPointTimeout: .seconds(5), visitTimeout: .seconds(20))
        let supervisor = DeviceSupervisor(
            client: client, registry: registry, store: store, catalog: catalog, sink: sink,
            settings: .init(adapterName: "hci0", visit: visit, revisitInterval: .milliseconds(10),
                            initialBackoff: initialBackoff), logger: logger)
        return Fixture(sim: sim, client: client, store: store, registry: registry, supervisor: supervisor, sink: sink,
                       directory: directory)
    }

    @Test func cuffAndGlucometerAreVisitedAndTheNeighbourIsIgnored() async throws {
        let fixture = try await Self.start(provision: [("A0:9E:1A:00:00:01", "blood-pressure"), ("C4:AD:34:00:00:03", "glucose")])
        let outcomes = StreamProbe(await fixture.supervisor.visitOutcomes())
        await fixture.supervisor.start()
        var seen: Set<String> = []
        while seen.count < 2 {
            let line = try #require(try await outcomes.next(within: .seconds(30), "visit outcomes"))
            #expect(line.hasSuffix(": ok"), "\(line)")
            seen.insert(String(line.prefix(17)))
        }
        let adapter = await fixture.supervisor.adapterStatus()
        #expect(adapter.powered && adapter.discovering)

        let readings = fixture.sink.readings
        let cuff = readings.filter { $0.0 == "A0:9E:1A:00:00:01" }.map(\.1)
        #expect(cuff.count == 2)  // the valid reading and the all-NaN error frame; the truncated one is refused
        #expect(cuff.first?.component(.systolicPressure)?.value == .number(DecimalNumber(138)))
        #expect(cuff.last?.isReliable == false)
        let glucose = readings.filter { $0.0 == "C4:AD:34:00:00:03" }.map(\.1)
        #expect(glucose.map(\.sequenceNumber) == [1, 2])
        #expect(!readings.contains { $0.0 == "5C:31:3E:00:00:09" })

        let status = await fixture.supervisor.deviceStatuses()
        #expect(status.first { $0.address == "A0:9E:1A:00:00:01" }?.malformed == 1)
        #expect(try await fixture.registry.device(address: "C4:AD:34:00:00:03")?.lastSequenceNumber == 2)
        let sensor = try await fixture.store.sensor(SensorKey("bt:A0:9E:1A:00:00:01"))
        #expect(sensor?.model == "UA-651BLE")
        #expect(sensor?.serial == "5150123456")
        // The cuff's clock said 2024: the gateway measured the offset and set the clock.
        #expect(sensor?.clockOffset.map { $0 < -86_400 } == true)
        let written = try await fixture.sim.control.writtenValues(BluetoothAddress("A0:9E:1A:00:00:01")!, BluetoothUUID("2A2B")!)
        #expect(written.count == 1)

        // Next visit of the glucometer asks only for records after the last one stored.
        try await fixture.sim.control.addGlucoseRecords(
            BluetoothAddress("C4:AD:34:00:00:03")!, [[0x03, 0x03, 0x00, 0xE8, 0x07, 0x04, 0x13, 0x08, 0x1E, 0x00, 0x00, 0x00, 0x6E, 0xB0, 0x11]])
        try await fixture.sim.control.advertise(BluetoothAddress("C4:AD:34:00:00:03")!)
        let again = try await outcomes.first(within: .seconds(30), "second glucometer visit") { $0.hasPrefix("C4:AD:34:00:00:03") }
        #expect(again.hasSuffix(": ok"))
        #expect(fixture.sink.readings.filter { $0.0 == "C4:AD:34:00:00:03" }.map(\.1.sequenceNumber) == [1, 2, 3])
        await fixture.stop()
    }

    @Test func forgottenDevicesAreDroppedAndBackoffFollowsFailures() async throws {
        let fixture = try await Self.start(provision: [("A0:9E:1A:00:00:01", "blood-pressure")])
        let outcomes = StreamProbe(await fixture.supervisor.visitOutcomes())
        try await fixture.sim.control.setInRange(BluetoothAddress("A0:9E:1A:00:00:01")!, false)
        await fixture.supervisor.start()
        // Known from no advertisement: only an explicit request triggers a visit, which fails (out of range).
        _ = await fixture.supervisor.visitNow(BluetoothAddress("A0:9E:1A:00:00:01")!)
        let failure = try await outcomes.next(within: .seconds(30), "failed visit")
        #expect(failure?.contains("connect") == true)
        #expect(try await fixture.registry.device(address: "A0:9E:1A:00:00:01")?.consecutiveFailures == 1)

        try await fixture.registry.forget(address: "A0:9E:1A:00:00:01")
        await fixture.supervisor.reloadDevices()
        #expect(await fixture.supervisor.deviceStatuses().isEmpty)
        #expect(await fixture.supervisor.visitNow(BluetoothAddress("A0:9E:1A:00:00:01")!) == false)
        await fixture.stop()
    }

    /// At shutdown the control server may still be finishing a `dhoctl pair`, which provisions the device and
    /// asks the supervisor to reload: once stopped, the supervisor follows and visits nothing, so no device
    /// work runs while the database closes.
    @Test func nothingIsFollowedOrVisitedAfterStop() async throws {
        let fixture = try await Self.start(provision: [("A0:9E:1A:00:00:01", "blood-pressure")])
        await fixture.supervisor.start()
        await fixture.supervisor.stop()
        try await fixture.registry.provision(address: "C4:AD:34:00:00:03", profile: "glucose", name: nil, by: "tech", at: Date())
        await fixture.supervisor.reloadDevices()
        #expect(await fixture.supervisor.deviceStatuses().isEmpty)
        #expect(await fixture.supervisor.visitNow(BluetoothAddress("C4:AD:34:00:00:03")!) == false)
        await fixture.stop()
    }
}

enum RepositoryPaths {
    /// The repository's profiles/ directory, found from this source file.
    static var profiles: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("profiles").path
    }
}
