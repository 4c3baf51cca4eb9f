import BlueZ
import Foundation
import Gateway
import GatewayTestSupport
import HealthProfiles
import Logging
import ReadingStore
import Synchronization
import Testing
import Triage

extension DeviceDataFaults {
    /// The hub's wall clock jumping (NTP correcting a real-time clock that booted wrong, a technician setting the
    /// date) and a device's clock jumping (a cuff's battery changed): nothing is lost or duplicated, forwarding
    /// keeps its backoff, schedules raise one alert and no more.
    @Suite struct ClockJumpTests {
        static let cuff = BluetoothAddress("A0:9E:1A:00:00:01")!

        static func bloodPressure(_ systolic: Int, minutesAgo: Int) throws -> [UInt8] {
            try DeviceRecords.bloodPressure(systolic: systolic, diastolic: 80, pulse: 64,
                                            at: try DeviceRecords.deviceTime(secondsAgo: minutesAgo * 60))
        }

        /// "2026-11-22T" for the day `offset` days from today (UTC), as the daemon's log lines begin.
        static func logDay(_ offset: Int) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd'T'"
            return formatter.string(from: Date().addingTimeInterval(Double(offset) * 86_400))
        }

        @Test func theGatewaysWallClockJumpingLosesNothingAndKeepsForwarding() async throws {
            let gateway = try await GatewayHarness.start(
                extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n", revisitInterval: "1s", startDaemon: false)
            try await withGateway("clock-jumps", gateway) {
                let clock = try await FakedWallClock.prepare(in: gateway.directory)
                try await gateway.startDaemon(environment: clock.environment)
                let pid = gateway.daemonPID
                // The patient's own cuff: while the hub's clock is a day or two off, the gateway sets the cuff's
                // clock to it, and readings it stamps then can lie before the provisioning by the hub's later,
                // right clock; the lent-device rule would keep them apart. That interaction is a known limit
                // (README "Lent devices"); this test is about the hub's clock and delivery.
                let paired = try await gateway.dhoctl(["pair", Self.cuff.description, "--by", "technician-e2e", "--memory-is-patients"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the cuff's memory stored and forwarded") {
                    let status = try await gateway.status()
                    return status["readingsStored"] as? Int == 2 && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }

                // The centre asks the hub to come back in 3 s (503 + Retry-After); while the reading waits for that
                // retry, the hub's clock is set back a day. The retry must still happen 3 s later, not a day later.
                try await gateway.receiver.inject([["status": 503, "retryAfter": "3"]])
                let logBefore = gateway.daemonLog.utf8.count
                try await gateway.measure(Self.cuff, "2A35", try Self.bloodPressure(141, minutesAgo: 4), expecting: 3, delivered: false)
                try await gateway.waitUntil("the 503 with Retry-After") {
                    String(decoding: gateway.daemonLog.utf8.dropFirst(logBefore), as: UTF8.self).contains("retryIn=3")
                }
                try clock.set("-1d")
                try await gateway.waitUntil("the waiting reading delivered", timeout: .seconds(30)) {
                    (try await gateway.status()["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                #expect(gateway.daemonLog.contains("\n" + Self.logDay(-1)), "the daemon's clock did not move")

                // Two days forward, then back to the right time: readings keep flowing, each exactly once.
                try clock.set("+2d")
                try await gateway.waitUntil("the daemon's clock two days ahead") { gateway.daemonLog.contains("\n" + Self.logDay(2)) }
                try await gateway.measure(Self.cuff, "2A35", try Self.bloodPressure(128, minutesAgo: 2), expecting: 4)
                try clock.set("+0")
                try await gateway.measure(Self.cuff, "2A35", try Self.bloodPressure(133, minutesAgo: 1), expecting: 5)

                #expect(gateway.daemonPID == pid, "the daemon restarted")
                let observations = try await gateway.receiver.identifiers("Observation")
                // panel, pulse and coincident time stamp for each of the 5 blood-pressure frames
                #expect(observations.count == 15)
                #expect(observations.values.allSatisfy { $0 == 1 })
                #expect(try await gateway.receiver.stat("duplicates") == 0)
                // The missing-SpO2 schedule: at most one alert however many days the clock skipped.
                let alerts = try await gateway.dhoctlJSON(["alerts"]) as? [[String: Any]] ?? []
                #expect(alerts.filter { $0["kind"] as? String == "missing-measurement" }.count <= 1, "\(alerts)")
            }
        }

        /// A cuff that indicates `stored` on connecting, then hangs up, and whose Current Time reads `clock` (hex).
        static func cuffWithClock(stored: [[UInt8]], clock: String, writable: Bool) -> String {
            """
            adapter: {name: hci0, address: "00:1A:7D:DA:71:13", powered: false}
            timing: {notificationIntervalMs: 5, disconnectAfterLastMs: 50, gattExportDelayMs: 30}
            devices:
              - address: "\(Self.cuff)"
                name: "UA-651BLE"
                advertisedServices: ["1810"]
                pairing: {method: justWorks}
                services:
                  - uuid: "1810"
                    characteristics:
                      - uuid: "2A35"
                        flags: [indicate]
                        stored: [\(stored.map { "\"\(DeviceRecords.hex($0))\"" }.joined(separator: ", "))]
                        disconnectAfterStored: true
                  - uuid: "1805"
                    characteristics:
                      - {uuid: "2A2B", flags: [\(writable ? "read, write" : "read")], value: "\(clock)"}

            """
        }

        /// A cuff whose battery was changed: its clock restarted at 2000-01-01 and says 00:10 when the gateway visits.
        /// Its memory holds a reading from yesterday (stamped while the clock was right) and two identical readings
        /// taken after the reset, four minutes apart.
        @Test func aDeviceClockResetToTheFactoryEpochStillGivesSensibleTimes() async throws {
            let yesterday = try DeviceRecords.bloodPressure(systolic: 150, diastolic: 95, pulse: 70,
                                                            at: try DeviceRecords.deviceTime(secondsAgo: 86_400))
            func afterReset(_ minute: Int) throws -> [UInt8] {
                try DeviceRecords.bloodPressure(systolic: 122, diastolic: 78, pulse: 61,
                                                at: try DeviceDateTime(year: 2000, month: 1, day: 1, hours: 0, minutes: minute, seconds: 0))
            }
            let scenario = Self.cuffWithClock(
                stored: [yesterday, try afterReset(2), try afterReset(6)], clock: "D0 07 01 01 00 0A 00 06 00 00", writable: true)
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-devclock-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(scenario, in: work))
            try await withGateway("device-clock-reset", gateway) {
                let visitStarted = Date()
                let paired = try await gateway.dhoctl(["pair", Self.cuff.description, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("3 readings stored and forwarded") {
                    let status = try await gateway.status()
                    return status["readingsStored"] as? Int == 3 && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                let readings = try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
                let formatter = ISO8601DateFormatter()
                let measured = readings.compactMap { ($0["measuredAt"] as? String).flatMap(formatter.date(from:)) }.sorted()
                try #require(measured.count == 3, "\(readings)")
                // Yesterday's reading keeps yesterday (its own stamp: the clock was right then) ...
                #expect(abs(measured[0].timeIntervalSince(visitStarted.addingTimeInterval(-86_400))) < 120, "\(measured)")
                // ... the two after the reset are 8 and 4 minutes before the visit, by the offset measured on it.
                #expect(abs(measured[1].timeIntervalSince(visitStarted.addingTimeInterval(-8 * 60))) < 60, "\(measured)")
                #expect(abs(measured[2].timeIntervalSince(visitStarted.addingTimeInterval(-4 * 60))) < 60, "\(measured)")
                // Same values, different stamps: two measurements, not a duplicate. The clock was set.
                #expect(Set(readings.compactMap { $0["id"] as? String }).count == 3)
                #expect(try await gateway.simulatorControl.writtenValues(Self.cuff, BluetoothUUID("2A2B")!).count == 1)
                #expect(try await gateway.receiver.identifiers("Observation").values.allSatisfy { $0 == 1 })
            }
        }

        /// A cuff whose read-only clock jumped to 2099 after it stamped a reading an hour ago (issue 11, finding 5).
        /// The offset measured on the visit (+73 years) used to "correct" that reading to the 1950s, and it was
        /// forwarded so. Its own stamp is used instead, and the technician is told the clock is unreliable.
        @Test func aDeviceClockThatJumpedForwardDoesNotBackDateAReading() async throws {
            let scenario = Self.cuffWithClock(stored: [], clock: "33 08 06 01 0C 00 00 01 00 00", writable: false)
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-devclock-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let gateway = try await GatewayHarness.start(scenario: try Scenarios.write(scenario, in: work), revisitInterval: "1s")
            try await withGateway("device-clock-jump-forward", gateway) {
                let paired = try await gateway.dhoctl(["pair", Self.cuff.description, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await Task.sleep(for: .seconds(2))
                // Measured a minute ago, before the clock jumped; indicated on the next connection.
                let aMinuteAgo = try DeviceRecords.bloodPressure(systolic: 128, diastolic: 82, pulse: 64,
                                                                 at: try DeviceRecords.deviceTime(secondsAgo: 60))
                try await gateway.simulatorControl.queueFrames(Self.cuff, BluetoothUUID("2A35")!, [aMinuteAgo])
                try await gateway.simulatorControl.advertise(Self.cuff)
                try await gateway.waitUntil("the reading stored and forwarded") {
                    let status = try await gateway.status()
                    return status["readingsStored"] as? Int == 1 && (status["queue"] as? [String: Any])?["undelivered"] as? Int == 0
                }
                let readings = try await gateway.dhoctlJSON(["readings"]) as? [[String: Any]] ?? []
                let measured = try #require(readings.first.flatMap { ($0["measuredAt"] as? String).flatMap(ISO8601DateFormatter().date(from:)) })
                #expect(abs(measured.timeIntervalSinceNow + 60) < 60, "measured at \(measured)")
                let observations = try await gateway.receiver.resources("Observation")
                let effective = observations.compactMap { $0["effectiveDateTime"] as? String }
                #expect(!effective.isEmpty && effective.allSatisfy { $0.hasPrefix("20") && !$0.hasPrefix("195") }, "\(effective)")
                #expect(try await gateway.technicalAlerts().contains("device-clock-unreliable"))
            }
        }

        /// Missing-measurement checks with the clock jumping, on injected time (the daemon passes its wall clock).
        @Test func schedulesRaiseOneAlertAcrossAJumpAndClearWhenTheClockIsBack() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dho-schedule-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            let oslo = DeviceRecords.home
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = oslo
            func at(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
                calendar.date(from: DateComponents(year: 2026, month: 3, day: day, hour: hour, minute: minute))!
            }
            let now = Mutex(at(2, 8))   // Monday 2 March 2026, 08:00 in Oslo
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let store = try ReadingStore.open(StoreConfiguration(path: directory.appendingPathComponent("gateway.sqlite").path),
                                              migrations: Triage.storeMigrations, logger: logger)
            let triage = try await Triage(store: store, configuration: TriageConfiguration(subjectReference: "Patient/1"),
                                          outbox: StoreAlertOutbox(), logger: logger, clock: { now.withLock { $0 } })
            let plan = try CarePlanDocument.load(template: GatewayHarness.repository.appendingPathComponent("profiles/care/copd.yaml"))
            _ = try await triage.installPlanIfNeeded(plan, installedBy: "tech", source: "copd")

            #expect(try await triage.checkSchedules(now: at(2, 11)).isEmpty)
            // The clock jumps from Monday 11:00 to Thursday 13:00: three SpO2 occurrences passed unmet, one alert.
            now.withLock { $0 = at(5, 13) }
            let jumped = try await triage.checkSchedules(now: at(5, 13))
            #expect(jumped.count == 1 && jumped.first?.alert.key == "schedule:spo2-daily", "\(jumped)")
            #expect(try await triage.checkSchedules(now: at(5, 13, 5)).isEmpty)
            // It is set back to Monday 11:30; the patient measures; the next check agrees and nothing is raised.
            now.withLock { $0 = at(2, 11, 30) }
            let reading = Reading(kind: .spotCheckOximetry, characteristic: 0x2A5E,
                                  components: [ReadingComponent(.oxygenSaturation, .number(DecimalNumber(95)), .percent)])
            let stored = try await store.ingest(reading, rawFrame: [0x00], sensor: SensorKey(rawValue: "bt:00:A0:50:00:00:02")!,
                                                receivedAt: at(2, 11, 30), measuredAt: at(2, 11, 30), held: true)
            _ = try await triage.evaluate(readingID: stored.readingID.rawValue, measuredAt: at(2, 11, 30), reading: reading)
            #expect(try await triage.checkSchedules(now: at(2, 12, 5)).allSatisfy { $0.change != .raised })
            #expect(try await triage.activeAlerts().count <= 1)
            try store.close()
        }
    }
}
