import ArgumentParser
import Gateway

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the gateway's health: Bluetooth, delivery queue, alerts.")

    @OptionGroup var daemon: DaemonOptions
    @Option(help: "Configuration file (names the adapter the kernel is asked about).")
    var config = "/etc/dho-gateway/gateway.yaml"

    func run() throws {
        let config = config
        try daemon.show(try daemon.call("status"), as: StatusResult.self) { status in
            var lines = [
                "DHO Gateway \(Terminal.visible(status.version)), hub \(Terminal.visible(status.gatewayID)), running since \(Terminal.time(status.startedAt))",
                "bluetooth:  bluetoothd \(status.bluetooth.bluetoothdRunning ? "running" : "NOT RUNNING"), adapter "
                    + (status.bluetooth.adapterPresent ? (status.bluetooth.powered ? "powered" : "OFF") : "MISSING")
                    + (status.bluetooth.discovering ? ", scanning" : ""),
                "devices:    \(status.devices) provisioned, \(status.readingsStored) readings stored",
                "storage:    database \(Terminal.megabytes(status.storage.bytes))"
                    + (status.storage.maximumBytes.map { " of \(Terminal.megabytes($0)) quota" } ?? ""),
                "queue:      \(status.queue.undelivered) undelivered (\(status.queue.held) awaiting triage), \(status.queue.parked) parked",
                "            oldest undelivered \(Terminal.time(status.queue.oldestUndelivered)), last forwarded \(Terminal.time(status.queue.lastForwarded))",
            ]
            if !status.bluetooth.adapterPresent || !status.bluetooth.powered {
                // bluetoothd has no usable adapter: the kernel's view says why (no module, rfkill, unplugged).
                lines.insert("            controller: " + Terminal.visible(AdapterCheck.diagnosis(configPath: config).summary), at: 2)
            }
            if let error = status.queue.lastError { lines.append("            last error: \(Terminal.visible(error))") }
            lines.append("alerts:     \(status.activeAlerts) active, \(status.unacknowledgedRedAlerts) red not acknowledged")
            lines.append("centre:     care plan version \(status.carePlanVersion.map(String.init) ?? "none"), " + CheckInText.line(status.checkIn))
            for device in status.rateLimited {
                lines.append("rate limit: \(Terminal.visible(device.address)) \(device.droppedByRateLimit) reading frame(s) over its limit not stored"
                    + (device.flooding ? " (flooding now)" : ""))
            }
            for alert in status.technicalAlerts { lines.append("PROBLEM:    \(Terminal.visible(alert.message)) (since \(Terminal.time(alert.since)))") }
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
                + (queue.parked > 0 ? "parked items are not resent by this: see dhoctl parked\n" : "")
        }
    }
}
