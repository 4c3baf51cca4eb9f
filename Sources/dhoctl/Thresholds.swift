import ArgumentParser
import Foundation
import Gateway

struct Thresholds: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show and change the patient's thresholds (doctor's order, verified by a second person).",
        subcommands: [Show.self, Propose.self, Verify.self, Reject.self], defaultSubcommand: Show.self)

    /// One line per version: the summary's lines (one per changed key) are joined with "; ", and every
    /// text a person typed (plan name, names, values) is made visible.
    static func describe(_ version: PlanVersionResult) -> String {
        let summary = version.summary.split(separator: "\n").map { Terminal.visible(String($0)) }.joined(separator: "; ")
        return "v\(version.version) [\(Terminal.visible(version.status))] \(Terminal.visible(version.planName)): \(summary)"
            + " — ordered by \(Terminal.visible(version.orderedBy))\(uid(version.orderedByUID)) \(Terminal.time(version.proposedAt))"
            + (version.verifiedBy.map {
                ", verified by \(Terminal.visible($0))\(uid(version.verifiedByUID)) \(Terminal.time(version.verifiedAt))"
            } ?? "")
    }

    private static func uid(_ uid: UInt32?) -> String { uid.map { " (uid \($0))" } ?? "" }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the plan in force and its history.")
        @OptionGroup var daemon: DaemonOptions
        @Flag(help: "Print the plan in force as YAML.") var yaml = false

        func run() throws {
            try daemon.show(try daemon.call("thresholds"), as: ThresholdsResult.self) { result in
                if yaml { return result.activeYAML ?? "no plan in force\n" }
                var lines = ["in force: " + (result.active.map(Thresholds.describe) ?? "none")]
                lines.append("history:")
                lines += result.history.map { "  " + Thresholds.describe($0) }
                return lines.joined(separator: "\n") + "\n"
            }
        }
    }

    struct Propose: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "propose", abstract: "Record a doctor's order changing the plan (pending until verified).")
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "YAML file: the complete plan, or with --overrides only the keys to change.") var file: String
        @Option(help: "The ordering doctor.") var orderedBy: String
        @Option(help: "Why (the order).") var reason: String
        @Flag(help: "The file holds only the keys to change.") var overrides = false

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file), let yaml = String(data: data, encoding: .utf8) else {
                throw ValidationError("cannot read \(file)")
            }
            let answer = try daemon.call("thresholds-propose", [
                "yaml": yaml, "ordered-by": orderedBy, "reason": reason, "overrides": overrides ? "true" : "false",
            ])
            try daemon.show(answer, as: PlanVersionResult.self) { "proposed " + Thresholds.describe($0) + "\nverify with: dhoctl thresholds verify \($0.version)\n" }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Verify a proposed change (must be someone other than the orderer).")
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "Version number.") var version: Int
        @Option(help: "Who verifies (default: your login name).") var verifiedBy: String?

        func run() throws {
            let answer = try daemon.call("thresholds-verify", ["version": String(version), "verified-by": verifiedBy ?? Terminal.loginName])
            try daemon.show(answer, as: PlanVersionResult.self) { "in force: " + Thresholds.describe($0) + "\n" }
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject a proposed change.")
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "Version number.") var version: Int
        @Option(help: "Why.") var reason: String
        @Option(help: "Who rejects (default: your login name).") var rejectedBy: String?

        func run() throws {
            let answer = try daemon.call("thresholds-reject", [
                "version": String(version), "rejected-by": rejectedBy ?? Terminal.loginName, "reason": reason,
            ])
            try daemon.show(answer, as: PlanVersionResult.self) { "rejected " + Thresholds.describe($0) + "\n" }
        }
    }
}
