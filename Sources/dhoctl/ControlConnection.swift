import ArgumentParser
import Foundation
import Gateway

/// Options every command that talks to the daemon shares.
struct DaemonOptions: ParsableArguments {
    @Option(help: "The daemon's control socket (default: $DHO_CONTROL_SOCKET or /run/dho-gateway/control.sock).")
    var socket: String?

    @Flag(help: "Print the daemon's answer as JSON.")
    var json = false

    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["DHO_CONTROL_SOCKET"] ?? "/run/dho-gateway/control.sock"
    }

    /// Sends one command; prompts are asked on the terminal, progress goes to stderr. Failures exit with
    /// status 1 (daemon said no), 69 (daemon unreachable) or 64 (bad arguments), with the daemon's message.
    func call(_ command: String, _ arguments: [String: String] = [:]) throws -> JSONValue {
        let client = ControlClient(path: socketPath)
        do {
            return try client.send(
                ControlRequest(id: 1, command: command, arguments: arguments),
                onPrompt: { _, message in
                    Terminal.error("\(Terminal.visible(message)): ")
                    return readLine(strippingNewline: true)
                },
                onProgress: { message, _ in
                    if !json, isatty(2) != 0 || command != "scan" { Terminal.error(Terminal.visible(message) + "\n") }
                })
        } catch {
            Terminal.error("dhoctl: \(Terminal.visible(error.message))\n")
            switch error.code {
            case "unreachable": throw ExitCode(69)
            case "bad-arguments", "unknown-command": throw ExitCode(64)
            default: throw ExitCode(1)
            }
        }
    }

    /// Prints `value` as JSON (--json) or decodes it as `T` and prints `text(T)`.
    func show<T: Decodable>(_ value: JSONValue, as type: T.Type, _ text: (T) -> String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(value), as: UTF8.self))
        } else {
            print(text(try value.decode(T.self)), terminator: "")
        }
    }
}

enum Terminal {
    static func error(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    /// Text that came from a device, the centre, the network or another user, made safe to print: every text
    /// rendering passes such values through here (table cells always do), `--json` never does.
    static func visible(_ text: String) -> String { VisibleText.escaping(text) }

    /// The login name of whoever runs dhoctl: the default signature of acknowledgements and pairings.
    static var loginName: String {
        ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "uid-\(getuid())"
    }

    /// "1.2 MB" (MB = 1 048 576 bytes, as in `storage: max-database-size`).
    static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "never" }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = .current
        return formatter.string(from: date)
    }

    /// Rows as aligned columns; every cell is made visible (one line, no terminal controls).
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = ([header] + rows).map { $0.map(visible) }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
