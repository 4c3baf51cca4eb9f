import ConfigYAML
import Testing
@testable import Gateway

/// `centre:` — the hub's check-in, technical alerts and device inventory at the centre.
@Suite struct CentreConfigurationTests {
    static func parse(_ section: String) throws(ConfigError) -> GatewayConfiguration {
        try GatewayConfiguration.parse(
            yaml: GatewayConfigurationTests.minimal + "\ncentre:\n" + section, source: "gateway.yaml", environment: [:])
    }

    @Test func everythingIsReportedHourlyByDefault() throws {
        let defaults = try GatewayConfiguration.parse(yaml: GatewayConfigurationTests.minimal, source: "g", environment: [:]).centre
        #expect(defaults.checkInInterval == .seconds(3600) && defaults.deviceSilentAfter == .seconds(3 * 86_400))
        #expect(defaults.batteryLowBelow == 20 && defaults.reports == Set(GatewayConfiguration.Centre.Report.allCases))
        let set = try Self.parse("  check-in-interval: 15m\n  device-silent-after: 2d\n  battery-low-below: 30\n  reports: [check-in]\n").centre
        #expect(set.checkInInterval == .seconds(900) && set.deviceSilentAfter == .seconds(2 * 86_400))
        #expect(set.batteryLowBelow == 30 && set.reports == [.checkIn])
    }

    @Test(arguments: [
        ("  check-in-interval: 0s\n", "gateway.yaml:11: centre.check-in-interval: must be between 1s and 1d"),
        ("  check-in-interval: often\n", "centre.check-in-interval: must be a duration"),
        ("  device-silent-after: 365d\n", "centre.device-silent-after: must be between 1s and 90d"),
        ("  battery-low-below: 100\n", "centre.battery-low-below: must be between 1 and 99"),
        ("  battery-low-below: 20%\n", "centre.battery-low-below"),
        ("  reports: [check-in, heartbeat]\n", "centre.reports: \"heartbeat\" is not a report; use check-in, technical-alerts or device-inventory"),
        ("  heartbeat: 1h\n", "centre.heartbeat: unknown key"),
    ])
    func mistakesAreNamedPrecisely(section: String, expected: String) {
        do {
            _ = try Self.parse(section)
            Issue.record("accepted: \(section)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}
