import BlueZ
import BlueZSimulator
import DBus
import HealthProfiles
import TestSupport
import Testing

@Suite struct RecordAccessTests {
    @Test func storedGlucoseRecordsAreFetchedThroughRACP() async throws {
        let fixture = try await Fixture.start(Scenarios.glucometer(paired: true))
        let meter = try #require(await fixture.client.device(address: Addresses.glucometer))
        try await meter.connect()
        let measurement = try await meter.characteristic(GATTCharacteristic.glucoseMeasurement.uuid,
                                                         service: GATTService.glucose.uuid)
        let racp = try await meter.characteristic(GATTCharacteristic.recordAccessControlPoint.uuid)

        // Without the CCCDs enabled first the meter refuses the procedure (ATT 0xFD).
        await #expect(throws: BlueZError.bluez(.failed, message: "Operation failed with ATT error: 0xfd")) {
            try await racp.writeValue([0x01, 0x01])
        }

        let records = StreamProbe(await measurement.valueUpdates())
        let responses = StreamProbe(await racp.valueUpdates())
        try await measurement.startNotify()
        try await racp.startNotify()

        // Count, then all records, then those from sequence 2 on, then none.
        try await racp.writeValue([0x04, 0x01])
        #expect(try await responses.next(within: .seconds(10), "count") == [0x05, 0x00, 0x03, 0x00])

        try await racp.writeValue([0x01, 0x01])
        #expect(try await records.next(within: .seconds(10), "record 1") == Frames.glucose1)
        #expect(try await records.next(within: .seconds(10), "record 2") == Frames.glucose2)
        #expect(try await records.next(within: .seconds(10), "record 3") == Frames.malformedGlucose)
        #expect(try await responses.next(within: .seconds(10), "success") == [0x06, 0x00, 0x01, 0x01])

        try await racp.writeValue([0x01, 0x03, 0x01, 0x02, 0x00])
        #expect(try await records.next(within: .seconds(10), "record 2 again") == Frames.glucose2)
        #expect(try await records.next(within: .seconds(10), "record 3 again") == Frames.malformedGlucose)
        #expect(try await responses.next(within: .seconds(10), "success") == [0x06, 0x00, 0x01, 0x01])

        try await racp.writeValue([0x01, 0x03, 0x01, 0x04, 0x00])
        #expect(try await responses.next(within: .seconds(10), "no records") == [0x06, 0x00, 0x01, 0x06])

        try await racp.writeValue([0x09, 0x01])
        #expect(try await responses.next(within: .seconds(10), "unsupported") == [0x06, 0x00, 0x09, 0x02])

        // New records arrive on the meter; the next "newer than" fetch returns just them.
        let fourth: [UInt8] = [0x0B, 0x04, 0x00, 0xE8, 0x07, 0x04, 0x13, 0x08, 0x1E, 0x00, 0x00, 0x00, 0x70, 0xB0, 0x11]
        try await fixture.control.addGlucoseRecords(Addresses.glucometer, [fourth])
        try await racp.writeValue([0x01, 0x03, 0x01, 0x04, 0x00])
        #expect(try await records.next(within: .seconds(10), "record 4") == fourth)
        #expect(try await responses.next(within: .seconds(10), "success") == [0x06, 0x00, 0x01, 0x01])

        #expect(try await fixture.control.writtenValues(Addresses.glucometer,
                                                        GATTCharacteristic.recordAccessControlPoint.uuid).count == 7)
        await fixture.stop()
    }
}
