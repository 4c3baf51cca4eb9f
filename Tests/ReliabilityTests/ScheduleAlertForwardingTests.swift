import Foundation
import GatewayTestSupport
import Testing

extension ForwardingFaults {
    /// The forwarder's safety poll is 5 minutes (it was 30 s, and every reading restarted it, so the hub woke in a
    /// burst 30 s and 60 s after each load): whatever queues something must wake it. A missed measurement is found
    /// by the maintenance loop, with no reading to wake the forwarder: its Flag must still reach the centre at once.
    @Suite struct ScheduleAlertForwardingTests {
        /// The libfaketime offset, in seconds, that puts the hub's clock at `hour`:00 today in Europe/Oslo (the
        /// default `gateway: time-zone`).
        static func offset(toOsloHour hour: Int) -> String {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Europe/Oslo")!
            let now = Date()
            let target = calendar.date(bySettingHour: hour, minute: 0, second: 0, of: now)!
            let seconds = Int(target.timeIntervalSince(now))
            return seconds < 0 ? "\(seconds)" : "+\(seconds)"
        }

        static func undelivered(_ gateway: GatewayHarness) async throws -> Int? {
            (try await gateway.status()["queue"] as? [String: Any])?["undelivered"] as? Int
        }

        @Test func aMissedMeasurementsFlagReachesTheCentreWithoutWaitingForAPoll() async throws {
            let gateway = try await GatewayHarness.start(
                extraConfiguration: "alerts:\n  schedule-check-interval: 1s\n", startDaemon: false)
            try await withGateway("schedule-alert-forwarding", gateway) {
                let clock = try await FakedWallClock.prepare(in: gateway.directory)
                // 06:00 at the hub: the COPD plan's daily SpO2 is due by 12:00, so nothing is missed yet.
                try clock.set(Self.offset(toOsloHour: 6))
                try await gateway.startDaemon(environment: clock.environment)
                try await gateway.waitUntil("the start-up reports delivered") { try await Self.undelivered(gateway) == 0 }
                #expect(!(try await gateway.receiver.resources("Flag")).contains { "\($0)".contains("missing-measurement") })

                // 13:00 the same day: the SpO2 was missed. The schedule check raises the alert and queues its Flag.
                try clock.set(Self.offset(toOsloHour: 13))
                try await gateway.waitUntil("the missed measurement's Flag at the centre", timeout: .seconds(30)) {
                    try await gateway.receiver.resources("Flag").contains { "\($0)".contains("missing-measurement") }
                }
            }
        }
    }
}
