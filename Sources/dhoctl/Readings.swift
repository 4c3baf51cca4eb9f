import ArgumentParser
import Gateway

struct Readings: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the latest readings, their triage and delivery.")

    @OptionGroup var daemon: DaemonOptions
    @Option(help: "How many readings (the most recently received).") var limit = 20

    func run() throws {
        let answer = try daemon.call("readings", ["limit": String(limit)])
        try daemon.show(answer, as: [ReadingResult].self) { readings in
            if readings.isEmpty { return "no readings\n" }
            return Terminal.table(
                ["MEASURED", "DEVICE", "KIND", "VALUES", "TRIAGE", "DELIVERY"],
                readings.map {
                    [Terminal.time($0.measuredAt), $0.device, $0.kind, $0.values.joined(separator: ", "),
                     $0.triage ?? "-", $0.delivery]
                })
        }
    }
}

struct Alerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show active alerts (or the history), and acknowledge them.", subcommands: [List.self, Ack.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Show alerts.")
        @OptionGroup var daemon: DaemonOptions
        @Flag(help: "Show recent history, not only active alerts.") var all = false

        func run() throws {
            let answer = try daemon.call("alerts", all ? ["all": "true"] : [:])
            try daemon.show(answer, as: [AlertResult].self) { alerts in
                if alerts.isEmpty { return all ? "no alerts\n" : "no active alerts\n" }
                return Terminal.table(
                    ["ID", "ZONE", "STATUS", "RAISED", "ACKNOWLEDGED", "SUMMARY"],
                    alerts.map {
                        [$0.id, $0.zone.uppercased(), $0.status, Terminal.time($0.raisedAt),
                         $0.acknowledgedBy.map { "by \($0)" } ?? "no", $0.summary]
                    })
            }
        }
    }

    struct Ack: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an alert.")
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "Alert id (from dhoctl alerts).") var id: String
        @Option(help: "Who acknowledges (default: your login name).") var by: String?

        func run() throws {
            let answer = try daemon.call("alerts-ack", ["id": id, "by": by ?? Terminal.loginName])
            try daemon.show(answer, as: AlertResult.self) {
                "acknowledged \(Terminal.visible($0.id)) (\(Terminal.visible($0.zone))) by \(Terminal.visible($0.acknowledgedBy ?? "?"))\n"
            }
        }
    }
}
