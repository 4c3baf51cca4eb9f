import ConfigYAML

extension GatewayConfiguration {
    /// `centre:` — what the hub tells the follow-up centre about itself (README "The hub at the centre").
    public struct Centre: Sendable, Equatable {
        /// What the hub reports about itself (`reports`); all by default.
        public enum Report: String, Sendable, Equatable, CaseIterable {
            case checkIn = "check-in"
            case technicalAlerts = "technical-alerts"
            case deviceInventory = "device-inventory"
        }

        public var reports = Set(Report.allCases)
        /// How often the hub checks in (also at start-up).
        public var checkInInterval: Duration = .seconds(3600)
        /// A provisioned device not seen this long is a technical problem (`device-not-seen`).
        public var deviceSilentAfter: Duration = .seconds(3 * 86_400)
        /// A device whose Battery Level (0x2A19) is below this percentage is a technical problem (`battery-low`).
        public var batteryLowBelow: Int = 20

        public init() {}
    }

    static func parseCentre(_ view: MappingView?) throws(ConfigError) -> Centre {
        var centre = Centre()
        guard let view else { return centre }
        try view.allowOnly(["reports", "check-in-interval", "device-silent-after", "battery-low-below"])
        if let names = try view.optionalStringList("reports") {
            var reports = Set<Centre.Report>()
            for name in names {
                guard let report = Centre.Report(rawValue: name) else {
                    throw view.error(at: "reports", "\"\(name)\" is not a report; use check-in, technical-alerts or device-inventory")
                }
                reports.insert(report)
            }
            centre.reports = reports
        }
        centre.checkInInterval = try view.optionalDuration("check-in-interval", in: 1...86_400) ?? centre.checkInInterval
        centre.deviceSilentAfter = try view.optionalDuration("device-silent-after", in: 1...(90 * 86_400)) ?? centre.deviceSilentAfter
        centre.batteryLowBelow = try view.optionalInt("battery-low-below", in: 1...99) ?? centre.batteryLowBelow
        return centre
    }
}
