import BlueZ
import Foundation
import GatewayTestSupport
import HealthProfiles
import Testing

extension DeviceDataFaults {
    /// The two glucometers issue 15 names, played as the public sources describe them (profiles/devices/
    /// accu-chek-guide.yaml and contour-next-one.yaml name the sources), through the real daemon.
    @Suite(.serialized) struct GlucometerModelTests {
        static let guide = BluetoothAddress("60:77:71:34:02:64")!
        static let contour = BluetoothAddress("6C:EC:EB:0C:78:30")!

        /// The Accu-Chek Guide's records as its Glucose Measurement notifications carry them, byte for byte, from the
        /// mySugr HCI trace (jbravo94/simple-ble-glucose-reader @ 6f595b217cbb, misc/mysugr_dump/btsnoop_hci.log,
        /// t=66.23-66.42 s): numbered from 4, mg/dL, time offset +60 min, type/location 0xF8; 12 and 14 are "LO"
        /// (SFLOAT 0x0802 = −∞, status 0x0040) and 12 announces its context (flags 0x1B), sent right after it.
        static let guideFrames = [
            "0B 0400 E5070A13080323 3C00 58B0 F8 0000", "0B 0500 E5070A13080502 3C00 92B0 F8 0000",
            "0B 0600 E5070A1308170D 3C00 86B0 F8 0000", "0B 0700 E5070A130A3B0A 3C00 5BB0 F8 0000",
            "0B 0800 E5070A1406391E 3C00 6EB0 F8 0000", "0B 0900 E5070A14063B17 3C00 66B0 F8 0000",
            "0B 0A00 E5070B030C1E0B 3C00 67B0 F8 0000", "0B 0B00 E5070B030C2206 3C00 7DB0 F8 0000",
            "1B 0C00 E5070B0F0C2628 3C00 0208 F8 4000", "0B 0D00 E5070B180C0D00 3C00 76B0 F8 0000",
            "0B 0E00 E607051E0E371B 3C00 0208 F8 4000",
        ]
        static let guideContext = "02 0C00 01"   // seq 12: meal present, preprandial (the trace, t=66.383 s)
        /// The meter's clock (Date Time 0x2A08, read-only): 2022-05-30 16:05:00, ten minutes after its last record's
        /// local time (14:55:27 + 60 min). The trace never reads it; the value is chosen so that the correction shows.
        static let guideClock = "E607 05 1E 10 05 00"
        /// How long before the meter's clock record 14 and record 4 were measured (local times, offset added).
        static let guideNewestAge: TimeInterval = 9 * 60 + 33
        static let guideOldestAge: TimeInterval = {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let clock = calendar.date(from: DateComponents(year: 2022, month: 5, day: 30, hour: 16, minute: 5))!
            let oldest = calendar.date(from: DateComponents(year: 2021, month: 10, day: 19, hour: 9, minute: 3, second: 35))!
            return clock.timeIntervalSince(oldest)
        }()

        static func scenario(contourRecords: [[UInt8]]) -> String {
            let guideRecords = guideFrames.map { frame in
                frame.hasPrefix("1B 0C00") ? "{frame: \"\(frame)\", context: \"\(guideContext)\"}" : "\"\(frame)\""
            }
            return """
                adapter: {name: hci0, address: "00:1A:7D:DA:71:13", alias: dho-gateway, powered: false}
                timing: \(Scenarios.quickRadio)
                devices:
                  - address: "\(guide)"
                    name: "meter+34026466"
                    advertisedServices: ["1808"]
                    deviceInformation: {manufacturer: "Roche", model: "925", serial: "92534026466"}
                    pairing: {method: passkeyEntry, passkey: 340264, requiredForServices: ["1808"], onInsufficientAuthentication: reject}
                    quirks: {hangsUpAfterTransferMs: 1500}
                    services:
                      - uuid: "1808"
                        characteristics:
                          - {uuid: "2A18", flags: [notify]}
                          - {uuid: "2A34", flags: [notify]}
                          - {uuid: "2A51", flags: [read], value: "0000"}
                          - {uuid: "2A52", flags: [write, indicate]}
                          - {uuid: "2A08", flags: [read], value: "\(guideClock)"}
                    glucoseRecords: [\(guideRecords.joined(separator: ", "))]
                  - address: "\(contour)"
                    name: "Contour7830H5432109"
                    advertisedServices: ["1808"]
                    deviceInformation: {manufacturer: "Ascensia Diabetes Care", model: "Contour Next One", serial: "5432109"}
                    pairing: {method: justWorks, requiredForServices: ["1808"], onInsufficientAuthentication: reject}
                    quirks: {ascensiaClock: true}
                    glucoseRecords: [\(contourRecords.map { "\"\(DeviceRecords.hex($0))\"" }.joined(separator: ", "))]

                """
        }

        /// Makes `device` advertise until the gateway has stored `count` readings in all.
        static func collect(_ gateway: GatewayHarness, _ device: BluetoothAddress, until count: Int) async throws {
            try await gateway.waitUntil("\(count) readings stored") {
                if try await gateway.status()["readingsStored"] as? Int == count { return true }
                try await gateway.simulatorControl.advertise(device)
                try await Task.sleep(for: .milliseconds(500))
                return false
            }
        }

        static func readings(_ gateway: GatewayHarness) async throws -> [[String: Any]] {
            try await gateway.dhoctlJSON(["readings", "--limit", "100"]) as? [[String: Any]] ?? []
        }

        static func age(_ reading: [String: Any]) -> TimeInterval? {
            (reading["measuredAt"] as? String).flatMap(ISO8601DateFormatter().date(from:)).map { -$0.timeIntervalSinceNow }
        }

        static func start(contourRecords: [[UInt8]], in work: URL) async throws -> GatewayHarness {
            let scenario = try Scenarios.write(Self.scenario(contourRecords: contourRecords), in: work)
            return try await GatewayHarness.start(scenario: scenario, carePlan: "diabetes", revisitInterval: "1s")
        }

        @Test func theAccuChekGuideIsPairedWithItsPinAndItsRecordsAreDatedByItsReadOnlyClock() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-guide-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await Self.start(contourRecords: [], in: work)
            let database = GatewayDatabase(path: gateway.databasePath)
            try await withGateway("glucometer-guide", gateway) {
                // The technician types the PIN the meter shows.
                let paired = try await gateway.dhoctl(["pair", Self.guide.description, "--by", "technician-e2e", "--memory-is-patients"],
                                                      stdin: "340264\n")
                #expect(paired.status == 0 && paired.stdout.contains(" as accu-chek-guide "), "\(paired.stdout) \(paired.stderr)")
                try await Self.collect(gateway, Self.guide, until: 11)
                let sensor = "bt:\(Self.guide)"
                #expect(try await database.storedSequenceNumbers(sensorKey: sensor) == Array(4...14))

                // Dated by the meter's clock corrected by the offset read from its Date Time: the newest record 9.5
                // minutes and the oldest about 7 months before now, not in 2021/2022 and not at their receipt.
                let ages = try await Self.readings(gateway).compactMap(Self.age).sorted()
                #expect(ages.count == 11)
                #expect(abs((ages.first ?? 0) - Self.guideNewestAge) < 120, "\(ages)")
                #expect(abs((ages.last ?? 0) - Self.guideOldestAge) < 120, "\(ages)")

                // The two LO results are stored, and no number is shown for them.
                let glucose = try await Self.readings(gateway).compactMap { $0["values"] as? [String] }
                    .compactMap { $0.first { $0.hasPrefix("glucose") } }
                let numeric = glucose.filter { $0.dropFirst("glucose ".count).first?.isNumber == true }
                #expect(glucose.count == 11 && numeric.count == 9, "\(glucose)")

                // The read-only clock is never written, and nothing calls it a clock problem.
                #expect(try await gateway.simulatorControl.writtenValues(Self.guide, BluetoothUUID("2A08")!).isEmpty)
                #expect(!gateway.daemonLog.contains("device clock not set"))
                #expect(!(try await gateway.technicalAlerts()).contains { $0.contains("clock") })

                // Later visits ask only for newer records ("≥ 15": 06 00 01 06 when there is none), then the new one.
                try await gateway.waitUntil("a visit found nothing newer") {
                    if gateway.daemonLog.contains("no new records") { return true }
                    try await gateway.simulatorControl.advertise(Self.guide)
                    try await Task.sleep(for: .milliseconds(500))
                    return false
                }
                let next = try DeviceRecords.glucoseRecord(sequence: 15, at: try DeviceDateTime.decode(
                    [0xE6, 0x07, 0x05, 0x1E, 0x0F, 0x00, 0x00]), tenths: 61)
                try await gateway.simulatorControl.addGlucoseRecords(Self.guide, [next])
                try await Self.collect(gateway, Self.guide, until: 12)
                #expect(try await database.storedSequenceNumbers(sensorKey: sensor) == Array(4...15))
                let requests = try await gateway.simulatorControl.writtenValues(Self.guide, GATTCharacteristic.recordAccessControlPoint.uuid)
                #expect(requests.contains([0x01, 0x03, 0x01, 0x0F, 0x00]) && requests.filter { $0 == [0x01, 0x01] }.count == 1,
                        "\(requests)")
                #expect(try await database.racpCursor(address: Self.guide.description) == 15)
            }
        }

        /// The Contour Next One takes its clock through Ascensia's characteristic (notifications first) after the
        /// glucose subscriptions and before the records are asked for: its records then carry the time it was given
        /// (the simulator stamps them in 2000 otherwise). Its numbering wraps from 0xFFFF to 0: nothing lost, nothing
        /// twice, and the wrap is not taken for a restarted meter.
        @Test func theContourNextOneGetsItsClockBeforeItsRecordsAndItsNumberingWraps() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-contour-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let memory = try (0..<3).map { index in
                try DeviceRecords.glucoseRecord(sequence: UInt16(0xFFFD + index), at: try DeviceRecords.deviceTime(secondsAgo: (3 - index) * 3600),
                                                tenths: 55 + index)
            }
            let gateway = try await Self.start(contourRecords: memory, in: work)
            let database = GatewayDatabase(path: gateway.databasePath)
            try await withGateway("glucometer-contour", gateway) {
                let paired = try await gateway.dhoctl(["pair", Self.contour.description, "--by", "technician-e2e", "--memory-is-patients"])
                #expect(paired.status == 0 && paired.stdout.contains(" as contour-next-one "), "\(paired.stdout) \(paired.stderr)")
                try await Self.collect(gateway, Self.contour, until: 3)

                // Stamped by the clock written before the records were asked for: 3, 2 and 1 hours ago.
                let ages = try await Self.readings(gateway).compactMap(Self.age).sorted()
                #expect(ages.count == 3 && zip(ages, [3600.0, 7200, 10800]).allSatisfy { abs($0 - $1) < 120 }, "\(ages)")
                let written = try await gateway.simulatorControl.writtenValues(Self.contour, AscensiaClock.characteristic)
                let clock = try #require(written.first.flatMap(AscensiaClock.decode))
                #expect(abs(clock.instant.timeIntervalSinceNow) < 120, "UTC time: \(clock.instant)")
                #expect(clock.utcOffsetMinutes == DeviceRecords.home.secondsFromGMT(for: clock.instant) / 60)

                // The numbering wraps: 0 and 1 after 0xFFFF, then 2.
                let sensor = "bt:\(Self.contour)"
                let wrapped = try (0..<3).map { index in
                    try DeviceRecords.glucoseRecord(sequence: UInt16(index), at: try DeviceRecords.deviceTime(secondsAgo: 1800 - index * 600),
                                                    tenths: 60 + index)
                }
                try await gateway.simulatorControl.addGlucoseRecords(Self.contour, Array(wrapped.prefix(2)))
                try await Self.collect(gateway, Self.contour, until: 5)
                try await gateway.simulatorControl.addGlucoseRecords(Self.contour, [wrapped[2]])
                try await Self.collect(gateway, Self.contour, until: 6)

                #expect(try await database.storedSequenceNumbers(sensorKey: sensor) == [0, 1, 2, 0xFFFD, 0xFFFE, 0xFFFF])
                #expect(try await database.racpCursor(address: Self.contour.description) == 2)
                let requests = try await gateway.simulatorControl.writtenValues(Self.contour, GATTCharacteristic.recordAccessControlPoint.uuid)
                #expect(requests.contains([0x01, 0x03, 0x01, 0x00, 0x00]) && requests.contains([0x01, 0x03, 0x01, 0x02, 0x00]), "\(requests)")
                #expect(!gateway.daemonLog.contains("record numbering restarted"))
                // Every record was dated by the clock given on its visit, none by a clock in 2000.
                #expect(!gateway.daemonLog.contains("device clock not set"))
            }
        }

        /// The same meter paired with the general glucose profile (Current Time after subscribing, which it lacks):
        /// its records come stamped by its unset clock, in 2000, and are dated by their receipt.
        @Test func underTheGeneralProfileTheContourStampsTheYear2000() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-contour-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let record = try DeviceRecords.glucoseRecord(sequence: 7, at: try DeviceRecords.deviceTime(secondsAgo: 7200), tenths: 58)
            let gateway = try await Self.start(contourRecords: [record], in: work)
            try await withGateway("glucometer-contour-general", gateway) {
                let paired = try await gateway.dhoctl(["pair", Self.contour.description, "--profile", "glucose", "--by", "technician-e2e",
                                                       "--memory-is-patients"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await Self.collect(gateway, Self.contour, until: 1)
                #expect(try await gateway.simulatorControl.writtenValues(Self.contour, AscensiaClock.characteristic).isEmpty)
                #expect(gateway.daemonLog.contains("device clock not set (2000-"), "the record's stamp was not from 2000")
                let age = try #require(try await Self.readings(gateway).first.flatMap(Self.age))
                #expect(abs(age) < 60, "not the time of receipt: \(age) s ago")
            }
        }
    }
}
