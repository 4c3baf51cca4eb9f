import ArgumentParser
import Foundation
import Gateway
import HealthProfiles

/// Walks through what has to be right for readings to flow, and says what is not.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the hub end to end and explain problems.")

    @OptionGroup var daemon: DaemonOptions
    @Option(help: "Configuration file.") var config = "/etc/dho-gateway/gateway.yaml"

    struct Finding: Codable {
        var check: String
        var result: String
        var detail: String
    }

    func run() throws {
        var findings: [Finding] = []
        func add(_ check: String, _ result: String, _ detail: String) { findings.append(Finding(check: check, result: result, detail: detail)) }
        func add(_ check: String, _ finding: (String, String)) { add(check, finding.0, finding.1) }

        let problems = ConfigurationCheck.problems(configPath: config)
        add("configuration", problems.isEmpty ? "ok" : "fail", problems.isEmpty ? config : problems.joined(separator: "; "))
        let configuration = try? GatewayConfiguration.load(path: config, environment: ProcessInfo.processInfo.environment)

        // The kernel's view of the adapter, without bluetoothd: says why bluetoothd may see none.
        let adapter = AdapterCheck.diagnosis(configPath: config)
        add("bluetooth controller", adapter.isUsable ? "ok" : "fail", adapter.summary)
        for problem in adapter.problems.dropFirst() { add("bluetooth controller", "fail", problem) }

        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        add("system clock", year >= 2025 ? "ok" : "fail", "the hub's clock says \(Terminal.time(Date()))")

        if let configuration {
            add("storage", Self.freeSpace(configuration.paths.stateDirectory))
            add("database file", Self.databaseMode(configuration.paths.databaseFile))
            if let token = configuration.forwarding.bearerTokenFile { add("bearer token file", Self.secretMode(token)) }
            if let key = configuration.forwarding.authentication?.keyFile { add("token-service key file", Self.secretMode(key)) }
        }

        let client = ControlClient(path: daemon.socketPath)
        do {
            let status = try client.send(ControlRequest(id: 1, command: "status"), onPrompt: { _, _ in nil }).decode(StatusResult.self)
            add("daemon", "ok", "running since \(Terminal.time(status.startedAt)), version \(status.version)")
            add("bluetoothd", status.bluetooth.bluetoothdRunning ? "ok" : "fail",
                status.bluetooth.bluetoothdRunning ? "running" : "not running: systemctl status bluetooth")
            add("adapter", status.bluetooth.adapterPresent && status.bluetooth.powered ? "ok" : "fail",
                status.bluetooth.lastProblem ?? (status.bluetooth.discovering ? "powered, scanning" : "powered"))
            if let quota = status.storage.maximumBytes {
                let share = Double(status.storage.bytes) / Double(max(quota, 1))
                add("database quota", share >= 0.95 ? "fail" : (share >= 0.8 ? "warn" : "ok"),
                    "\(Terminal.megabytes(status.storage.bytes)) of \(Terminal.megabytes(quota)) (storage: max-database-size)")
            }
            add("devices", status.devices > 0 ? "ok" : "warn", status.devices > 0 ? "\(status.devices) provisioned" : "none provisioned: dhoctl pair")
            let failingAfter = configuration.map { $0.alerts.forwardingFailingAfter.inSeconds } ?? 3600
            let stale = status.queue.oldestUndelivered.map { Date().timeIntervalSince($0) > failingAfter } ?? false
            add("forwarding", stale ? "fail" : (status.queue.lastError == nil ? "ok" : "warn"),
                "\(status.queue.undelivered) undelivered, last forwarded \(Terminal.time(status.queue.lastForwarded))"
                    + (status.queue.lastError.map { ", last error: \($0)" } ?? ""))
            add("parked items", status.queue.parked == 0 ? "ok" : "warn",
                status.queue.parked == 0 ? "none" : "\(status.queue.parked) rejected by the centre: dhoctl parked shows why, dhoctl parked resend sends them again")
            add("alerts", status.unacknowledgedRedAlerts == 0 ? "ok" : "warn",
                "\(status.activeAlerts) active, \(status.unacknowledgedRedAlerts) red not acknowledged")
            for alert in status.technicalAlerts { add("problem", "fail", alert.message) }
        } catch {
            add("daemon", "fail", "\((error as? ControlError)?.message ?? "\(error)") — systemctl status dho-gatewayd; journalctl -u dho-gatewayd")
        }

        if daemon.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(findings), as: UTF8.self))
        } else {
            print(Terminal.table(["RESULT", "CHECK", "DETAIL"], findings.map { [$0.result.uppercased(), $0.check, $0.detail] }), terminator: "")
        }
        if findings.contains(where: { $0.result == "fail" }) { throw ExitCode(1) }
    }

    static func freeSpace(_ directory: String) -> (String, String) {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory),
              let free = attributes[.systemFreeSize] as? NSNumber
        else { return ("warn", "cannot inspect \(directory) (run as root)") }
        let megabytes = free.int64Value / 1_048_576
        return (megabytes >= 100 ? "ok" : "fail", "\(megabytes) MB free for \(directory)")
    }

    static func databaseMode(_ path: String) -> (String, String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = attributes[.posixPermissions] as? Int
        else { return ("warn", "cannot inspect \(path) (run as root, or the daemon has not created it yet)") }
        return (mode & 0o077 == 0 ? "ok" : "fail", "\(path) mode \(String(mode, radix: 8))" + (mode & 0o077 == 0 ? "" : ": must be 0600"))
    }

    static func secretMode(_ path: String) -> (String, String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = attributes[.posixPermissions] as? Int
        else { return ("warn", "cannot inspect \(path)") }
        return (mode & 0o007 == 0 ? "ok" : "fail", "\(path) mode \(String(mode, radix: 8))" + (mode & 0o007 == 0 ? "" : ": others can read this secret"))
    }
}
