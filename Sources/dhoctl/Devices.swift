import ArgumentParser
import Gateway

struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the devices provisioned on this hub.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.show(try daemon.call("devices"), as: [DeviceResult].self) { devices in
            if devices.isEmpty { return "no devices provisioned (use dhoctl scan and dhoctl pair)\n" }
            return Terminal.table(
                ["ADDRESS", "PROFILE", "MODEL", "SERIAL", "FIRMWARE", "BATTERY", "CLOCK", "LAST SEEN", "LAST VISIT", "OVER LIMIT"],
                devices.map { device in
                    [device.address, device.profile, device.model ?? device.name ?? "-", device.serial ?? "-",
                     device.firmware ?? "-", device.battery.map { "\($0)%" } ?? "-", Self.clock(device.clockOffsetSeconds),
                     Terminal.time(device.lastSeen), device.lastVisitResult ?? "-", String(device.droppedByRateLimit)]
                }) + devices.compactMap { device in
                    // What a device says in its advertisements (an Omron cuff in pairing mode is not visited).
                    device.advertised.map { "\(device.address) advertises: \($0)\n" }
                }.joined() + devices.compactMap { device in
                    device.recordsTakenElsewhere.map { "\(device.address) PROBLEM: \($0)\n" }
                }.joined()
        }
    }
}

extension Devices {
    /// The device clock's offset when last measured: the gateway corrects time stamps by it and sets the
    /// clock when it is off by more than 30 s.
    static func clock(_ offset: Double?) -> String {
        guard let offset else { return "-" }
        let magnitude = abs(offset)
        let sign = offset < 0 ? "-" : "+"
        switch magnitude {
        case ..<120: return "\(sign)\(Int(magnitude))s"
        case ..<7200: return "\(sign)\(Int(magnitude / 60))min"
        case ..<172_800: return "\(sign)\(Int(magnitude / 3600))h"
        default: return "\(sign)\(Int(magnitude / 86_400))d"
        }
    }
}

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List health devices in range.")

    @OptionGroup var daemon: DaemonOptions
    @Option(help: "How long to listen, in seconds.") var seconds = 10

    func run() throws {
        try daemon.show(try daemon.call("scan", ["seconds": String(seconds)]), as: [ScanResult].self) { found in
            if found.isEmpty { return "no health devices found\n" }
            return Terminal.table(
                ["ADDRESS", "NAME", "RSSI", "PROFILE", "STATE"],
                found.map {
                    [$0.address, $0.name ?? "-", $0.rssi.map(String.init) ?? "-", $0.profile ?? "-",
                     $0.provisioned ? "provisioned" : ($0.paired ? "paired" : "new")]
                })
        }
    }
}

struct Pair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pair a device and provision it on this hub.",
        discussion: "Put the device in pairing mode first. If it shows a passkey, you are asked to type it.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Bluetooth address, AA:BB:CC:DD:EE:FF.") var address: String
    @Option(help: "Device profile (default: from the services the device advertises).") var profile: String?
    @Option(name: [.customLong("user"), .customLong("user-index")],
            help: "The patient's user number on a multi-user cuff or scale (required when its profile says multi_user).")
    var user: Int?
    @Option(help: """
        The patient's consent code (0-9999) on a device with the User Data Service (a family scale), given on every \
        visit. Without --user, the patient is registered as a new user of the device on the first visit.
        """) var consent: Int?
    @Option(help: "Who pairs (default: your login name).") var by: String?
    @Option(help: "Seconds to wait for the device to appear.") var timeout = 30
    @Flag(help: """
        The device is the patient's own: the readings it stored before pairing are theirs and are forwarded. \
        Without it, those are taken as a lent device's previous user's and kept apart (dhoctl readings).
        """) var memoryIsPatients = false
    @Flag(help: """
        The device is provisioned but lost its bond (battery change, reset; dhoctl status shows device-bond-lost): \
        remove the stale bond and pair again, keeping its provisioning (profile, records fetched, memory owner).
        """) var renew = false

    func run() throws {
        var arguments = ["address": address, "by": by ?? Terminal.loginName, "timeout": String(timeout)]
        arguments["profile"] = profile
        if memoryIsPatients { arguments["memory-is-patients"] = "true" }
        if renew { arguments["renew"] = "true" }
        arguments["user"] = user.map(String.init)
        arguments["consent"] = consent.map(String.init)
        try daemon.show(try daemon.call("pair", arguments), as: PairResult.self) { result in
            (result.renewed == true ? "renewed the bond of " : "paired ")
                + "\(Terminal.visible(result.address)) as \(Terminal.visible(result.profile))"
                + "\(result.name.map { " (\(Terminal.visible($0)))" } ?? "")\(result.bonded ? ", bonded" : "")\n"
        }
    }
}

struct Forget: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a device from this hub (its readings are kept and still delivered).")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Bluetooth address.") var address: String

    func run() throws {
        try daemon.show(try daemon.call("forget", ["address": address]), as: [String: Bool].self) { _ in "forgot \(Terminal.visible(address))\n" }
    }
}

struct Visit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Connect to a provisioned device now and collect its readings.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "Bluetooth address.") var address: String

    func run() throws {
        try daemon.show(try daemon.call("visit", ["address": address]), as: [String: Bool].self) { result in
            result["started"] == true ? "visit started\n" : "no visit started (not provisioned, or a visit is running)\n"
        }
    }
}
