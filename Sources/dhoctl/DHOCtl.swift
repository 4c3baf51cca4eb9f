import ArgumentParser

/// The technician's command-line tool. Each subcommand lives in its own file; add new ones (scan, pair,
/// status, forget...) to `subcommands` below.
@main
struct DHOCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dhoctl",
        abstract: "Control and inspect the DHO Gateway.",
        subcommands: [
            Status.self, Devices.self, Scan.self, Pair.self, Forget.self, Visit.self, DeviceCommand.self, Readings.self, Alerts.self,
            Thresholds.self, Forward.self, Parked.self, Reset.self, Config.self, Doctor.self, Decode.self,
        ])
}
