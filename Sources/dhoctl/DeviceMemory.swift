import ArgumentParser
import Gateway

/// `dhoctl device ...`: work on one provisioned device's own state.
struct DeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "Work on one provisioned device.", subcommands: [ClearMemory.self])

    struct ClearMemory: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear-memory",
            abstract: "Transfer a meter's records, then delete those stored on this hub from the meter.",
            discussion: """
                For a lent glucometer going back or coming from another patient. Only devices whose profile has the \
                Record Access Control Point; nothing is deleted unless every record was transferred first, and a record \
                the meter took after the transfer stays in it.
                """)

        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "Bluetooth address.") var address: String
        @Option(help: "The address again, to confirm.") var confirm: String?

        func run() throws {
            var arguments = ["address": address]
            arguments["confirm"] = confirm
            try daemon.show(try daemon.call("device-clear-memory", arguments), as: [String: String].self) { result in
                "\(Terminal.visible(result["address"] ?? address)): \(Terminal.visible(result["result"] ?? "done"))\n"
            }
        }
    }
}
