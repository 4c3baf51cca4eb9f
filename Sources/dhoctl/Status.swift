import ArgumentParser
import Gateway

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the gateway's health: Bluetooth, delivery queue, alerts.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.show(try daemon.call("status"), as: StatusResult.self) { status in
            var lines = [
                "DHO Gateway \(status.version), hub \(status.gatewayID), running since \(Terminal.time(status.startedAt))",
                "bluetooth:  bluetoothd \(status.bluetooth.bluetoothdRunning ? "running" : "NOT RUNNING"), adapter "
                    + (status.bluetooth.adapterPresent ? (status.bluetooth.powered ? "powered" : "OFF") : "MISSING")
                    + (status.bluetooth.discovering ? ", scanning" : ""),
                "devices:    \(status.devices) provisioned, \(status.readingsStored) readings stored",
                "storage:    database \(Terminal.megabytes(status.storage.bytes))"
                    + (status.storage.maximumBytes.map { " of \(Terminal.megabytes($0)) quota" } ?? ""),
                "queue:      \(status.queue.undelivered) undelivered (\(status.queue.held) awaiting triage), \(status.queue.parked) parked",
                "            oldest undelivered \(Terminal.time(status.queue.oldestUndelivered)), last forwarded \(Terminal.time(status.queue.lastForwarded))",
            ]
            if let error = status.queue.lastError { lines.append("            last error: \(error)") }
            lines.append("alerts:     \(status.activeAlerts) active, \(status.unacknowledgedRedAlerts) red not acknowledged")
            for device in status.rateLimited {
                lines.append("rate limit: \(device.address) \(device.droppedByRateLimit) reading frame(s) over its limit not stored"
                    + (device.flooding ? " (flooding now)" : ""))
            }
            for alert in status.technicalAlerts { lines.append("PROBLEM:    \(alert.message) (since \(Terminal.time(alert.since)))") }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}

struct Forward: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Try to forward waiting readings now.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.show(try daemon.call("forward"), as: StatusResult.Queue.self) { queue in
            "forwarding started; \(queue.undelivered) waiting, \(queue.parked) parked\n"
        }
    }
}
