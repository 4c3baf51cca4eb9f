import ArgumentParser
import Gateway

struct Reset: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prepare the hub for another patient: forget devices, erase readings, alerts and plans.",
        discussion: "Refused while readings are undelivered unless --discard-undelivered. Restart the daemon with the new patient's configuration afterwards.")

    @OptionGroup var daemon: DaemonOptions
    @Option(help: "This hub's id, to confirm.") var confirm: String
    @Flag(help: "Erase even readings the centre has not received.") var discardUndelivered = false

    func run() throws {
        var arguments = ["confirm": confirm]
        if discardUndelivered { arguments["discard-undelivered"] = "true" }
        try daemon.show(try daemon.call("reset", arguments), as: [String: Int].self) { result in
            let pending = result["bondsPending"] ?? 0
            return "hub reset: \(result["devicesForgotten"] ?? 0) device(s) forgotten, patient data erased\n"
                + (pending > 0 ? "\(pending) Bluetooth bond(s) not removed yet (Bluetooth unavailable): removed when it is back\n" : "")
        }
    }
}
