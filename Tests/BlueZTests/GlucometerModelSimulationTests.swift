import BlueZ
import BlueZSimulator
import DBus
import Foundation
import HealthProfiles
import TestSupport
import Testing

/// bluez-sim plays the two glucometers of issue 15 as the public sources describe them: the Accu-Chek Guide from the
/// mySugr HCI trace (jbravo94/simple-ble-glucose-reader misc/mysugr_dump/btsnoop_hci.log) and the Contour Next One's
/// clock from BLESSED (weliem/blessed-android BluetoothHandler.java l.154-168, l.280-295).
@Suite struct GlucometerModelSimulationTests {
    static let guide = BluetoothAddress("60:77:71:34:02:64")!
    static let contour = BluetoothAddress("6C:EC:EB:0C:78:30")!
    /// Records 11 and 12 of the trace (t=66.345-66.383 s); 12 is "LO" and announces its context.
    static let record11: [UInt8] = [0x0B, 0x0B, 0x00, 0xE5, 0x07, 0x0B, 0x03, 0x0C, 0x22, 0x06, 0x3C, 0x00, 0x7D, 0xB0, 0xF8, 0x00, 0x00]
    static let record12: [UInt8] = [0x1B, 0x0C, 0x00, 0xE5, 0x07, 0x0B, 0x0F, 0x0C, 0x26, 0x28, 0x3C, 0x00, 0x02, 0x08, 0xF8, 0x40, 0x00]
    static let context12: [UInt8] = [0x02, 0x0C, 0x00, 0x01]
    /// A Contour record 0xFFFF stamped 2026-03-29 10:00:00, 5.5 mmol/L.
    static let contourRecord: [UInt8] = [0x02, 0xFF, 0xFF, 0xEA, 0x07, 0x03, 0x1D, 0x0A, 0x00, 0x00, 0x37, 0xB0, 0x11]

    static func scenario(guidePaired: Bool) -> String {
        """
        \(Scenarios.fastTiming)
        devices:
          - address: "\(guide)"
            name: "meter+34026466"
            advertisedServices: ["1808"]
            paired: \(guidePaired)
            gattExport: immediate
            pairing: {method: passkeyEntry, passkey: 340264, requiredForServices: ["1808"], onInsufficientAuthentication: reject}
            quirks: {hangsUpAfterTransferMs: 200}
            services:
              - uuid: "1808"
                characteristics:
                  - {uuid: "2A18", flags: [notify]}
                  - {uuid: "2A34", flags: [notify]}
                  - {uuid: "2A51", flags: [read], value: "0000"}
                  - {uuid: "2A52", flags: [write, indicate]}
                  - {uuid: "2A08", flags: [read], value: "E607 05 1E 10 05 00"}
            glucoseRecords: ["\(hex(record11))", {frame: "\(hex(record12))", context: "\(hex(context12))"}]
          - address: "\(contour)"
            name: "Contour7830H5432109"
            advertisedServices: ["1808"]
            paired: true
            gattExport: immediate
            quirks: {ascensiaClock: true}
            glucoseRecords: ["\(hex(contourRecord))"]
        """
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02X", $0) }.joined(separator: " ") }

    @Test func theGuideRefusesAccessUnbondedSendsItsContextAndHangsUpAfterTheTransfer() async throws {
        let fixture = try await Fixture.start(Self.scenario(guidePaired: false))
        let meter = try await fixture.discover(Self.guide)
        try await meter.connect()
        // Unbonded, its Glucose service refuses every access; bonded with the PIN it shows, it answers.
        await #expect(throws: BlueZError.bluez(.notPermitted, message: "Not paired")) {
            _ = try await meter.characteristic(GATTCharacteristic.dateTime.uuid).readValue()
        }
        let agent = TestAgent(passkey: 340264)
        let service = try await AgentService.start(client: fixture.client, agent: agent)
        try await meter.pair()
        #expect(agent.log == ["RequestPasskey \(meter.path)"])
        // The read-only Date Time can be read, not written.
        let dateTime = try await meter.characteristic(GATTCharacteristic.dateTime.uuid)
        #expect(try await dateTime.readValue() == [0xE6, 0x07, 0x05, 0x1E, 0x10, 0x05, 0x00])
        await #expect(throws: BlueZError.self) { try await dateTime.writeValue([0xEA, 0x07, 0x03, 0x1D, 0x0A, 0x00, 0x00]) }

        let measurement = try await meter.characteristic(GATTCharacteristic.glucoseMeasurement.uuid, service: GATTService.glucose.uuid)
        let context = try await meter.characteristic(GATTCharacteristic.glucoseMeasurementContext.uuid)
        let racp = try await meter.characteristic(GATTCharacteristic.recordAccessControlPoint.uuid)
        let records = StreamProbe(await measurement.valueUpdates())
        let contexts = StreamProbe(await context.valueUpdates())
        let responses = StreamProbe(await racp.valueUpdates())
        for characteristic in [measurement, context, racp] { try await characteristic.startNotify() }

        try await racp.writeValue([0x01, 0x01])
        #expect(try await records.next(within: .seconds(10), "record 11") == Self.record11)
        #expect(try await records.next(within: .seconds(10), "record 12") == Self.record12)
        #expect(try await contexts.next(within: .seconds(10), "context 12") == Self.context12)
        #expect(try await responses.next(within: .seconds(10), "success") == [0x06, 0x00, 0x01, 0x01])
        // The meter ends the link by itself once the transfer is over.
        try await meter.waitUntilDisconnected(timeout: .seconds(10))

        try await meter.connect()
        for characteristic in [measurement, context, racp] {
            try? await characteristic.stopNotify()
            try await characteristic.startNotify()
        }
        try await racp.writeValue([0x01, 0x03, 0x01, 0x0D, 0x00])
        #expect(try await responses.next(within: .seconds(10), "no records") == [0x06, 0x00, 0x01, 0x06])
        await service.stop()
        await fixture.stop()
    }

    /// Without its clock, or with the clock written before the glucose subscription, the Contour sends its record
    /// stamped in 2000; with it written as BLESSED does, the record as stored.
    @Test func theContourStampsByTheClockWrittenInItsOrder() async throws {
        let fixture = try await Fixture.start(Self.scenario(guidePaired: true))
        let meter = try #require(await fixture.client.device(address: Self.contour))
        let clockNow = try #require(AscensiaClock.encode(Date(), utcOffsetMinutes: 60))
        var unset = Self.contourRecord
        unset[3] = 0xD0   // 2000 = 0x07D0
        for (order, expected) in [("too early", unset), ("in order", Self.contourRecord)] {
            try await meter.connect()
            let measurement = try await meter.characteristic(GATTCharacteristic.glucoseMeasurement.uuid, service: GATTService.glucose.uuid)
            let racp = try await meter.characteristic(GATTCharacteristic.recordAccessControlPoint.uuid)
            let clock = try await meter.characteristic(AscensiaClock.characteristic, service: AscensiaClock.service)
            let records = StreamProbe(await measurement.valueUpdates())
            try await clock.startNotify()
            if order == "too early" { try await clock.writeValue(clockNow) }
            try await measurement.startNotify()
            try await racp.startNotify()
            if order == "in order" { try await clock.writeValue(clockNow) }
            try await racp.writeValue([0x01, 0x01])
            #expect(try await records.next(within: .seconds(10), "record \(order)") == expected, "\(order)")
            for characteristic in [measurement, racp, clock] { try await characteristic.stopNotify() }
            try await meter.disconnect()
        }
        await fixture.stop()
    }
}
