import ArgumentParser
import Gateway

struct Parked: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Items the follow-up centre rejected (parked), with its reason; send them again.",
        subcommands: [List.self, Resend.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List parked items with the centre's reason.")
        @OptionGroup var daemon: DaemonOptions
        @Option(help: "At most this many (oldest first).") var limit: Int = 1000

        func run() throws {
            try daemon.show(try daemon.call("parked", ["limit": String(limit)]), as: [ParkedItemResult].self) { items in
                guard !items.isEmpty else { return "nothing is parked\n" }
                return items.map { item in
                    "#\(item.id) \(Terminal.visible(item.kind))\(item.urgent ? " URGENT" : "") \(Terminal.visible(item.key)), "
                        + "parked \(Terminal.time(item.parkedAt)) after \(item.attempts) attempt(s)\n    centre's reason: "
                        // The centre's text, line by line: each line escaped, so it cannot forge anything itself.
                        + (item.reason ?? "none given").split(separator: "\n", omittingEmptySubsequences: false)
                            .map { Terminal.visible(String($0)) }.joined(separator: "\n    ")
                }.joined(separator: "\n") + "\nsend again with: dhoctl parked resend ID... (or --all)\n"
            }
        }
    }

    struct Resend: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resend", abstract: "Put parked items back in the queue and forward now (after the centre was fixed).")
        @OptionGroup var daemon: DaemonOptions
        @Flag(help: "Every parked item.") var all = false
        @Argument(help: "Ids of parked items (see dhoctl parked).") var ids: [Int64] = []

        func validate() throws {
            guard all != !ids.isEmpty else { throw ValidationError("name the parked items to resend (their ids) or pass --all, not both") }
        }

        func run() throws {
            var arguments: [String: String] = [:]
            if all { arguments["all"] = "true" } else { arguments["ids"] = ids.map(String.init).joined(separator: ",") }
            try daemon.show(try daemon.call("parked-resend", arguments), as: ParkedResendResult.self) { result in
                "\(result.requeued) parked item(s) queued again; forwarding started (\(result.queue.undelivered) waiting, "
                    + "\(result.queue.parked) parked)\n"
            }
        }
    }
}
