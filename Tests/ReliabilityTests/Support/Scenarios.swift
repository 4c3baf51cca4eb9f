import Foundation

/// bluez-sim scenarios written per test (format: README "Scenario format").
enum Scenarios {
    static let meter = "C4:AD:34:00:00:03"
    static let cuff = "A0:9E:1A:00:00:01"
    static let oximeter = "00:A0:50:00:00:02"
    static let thermometer = "00:09:1F:00:00:05"

    /// A bonded glucometer holding `glucoseRecords` (served through RACP) and a cuff that indicates `cuffMemory`
    /// on its first connection and then hangs up. Radio time is short so that thousands of records fit in a test.
    /// `extraDevices`: further entries of the `devices` list (see `oximeter`).
    static func home(glucoseRecords: [[UInt8]], cuffMemory: [[UInt8]], notificationIntervalMs: Int = 1,
                     extraDevices: String = "") -> String {
        func list(_ frames: [[UInt8]], indent: String) -> String {
            frames.isEmpty ? " []" : "\n" + frames.map { "\(indent)- \"\(DeviceRecords.hex($0))\"" }.joined(separator: "\n")
        }
        return """
            adapter: {name: hci0, address: "00:1A:7D:DA:71:13", alias: dho-gateway, powered: false}
            timing:
              notificationIntervalMs: \(notificationIntervalMs)
              disconnectAfterLastMs: 50
              gattExportDelayMs: 30
              connectDelayMs: 5
              resolveDelayMs: 5
            devices:
              - address: "\(meter)"
                name: "ContourNext"
                advertisedServices: ["1808"]
                paired: true
                trusted: true
                deviceInformation: {manufacturer: "Ascensia", model: "Contour Next One", serial: "CNO-7781", firmware: "3.4"}
                pairing: {method: passkeyEntry, passkey: 123456, requiredForServices: ["1808"], onInsufficientAuthentication: reject}
                glucoseRecords:\(list(glucoseRecords, indent: "      "))
              - address: "\(cuff)"
                name: "UA-651BLE"
                advertisedServices: ["1810"]
                battery: 80
                deviceInformation: {manufacturer: "A&D Medical", model: "UA-651BLE", serial: "5150123456", firmware: "1.2.0"}
                services:
                  - uuid: "1810"
                    characteristics:
                      - uuid: "2A35"
                        flags: [indicate]
                        stored:\(list(cuffMemory, indent: "                  "))
                        disconnectAfterStored: true
                      - {uuid: "2A49", flags: [read], value: "0300"}
            \(extraDevices)
            """
    }

    /// A pulse oximeter (no bond) that indicates spot checks queued with `QueueFrames` on 2A5E and then hangs up.
    static let oximeterDevice = """
          - address: "\(oximeter)"
            name: "Nonin3230"
            advertisedServices: ["1822"]
            services:
              - uuid: "1822"
                characteristics:
                  - {uuid: "2A5E", flags: [indicate], disconnectAfterStored: true}
                  - {uuid: "2A60", flags: [read], value: "0000"}

        """

    /// Radio time short enough for tests in which a device sends a few frames and hangs up.
    static let quickRadio = "{notificationIntervalMs: 20, disconnectAfterLastMs: 600, gattExportDelayMs: 30, connectDelayMs: 5, resolveDelayMs: 5}"

    /// One thermometer (UT-201BLE) whose Temperature Measurement (0x2A1C) indicates what `sends` says, each
    /// element one key of that characteristic (`stored: [...]` and `disconnectAfterStored: true`, or a `stream`);
    /// `faults` is the device's faults block; `adapter` further keys of the adapter's (`busyAfterRestart: 2`).
    static func thermometerHome(sends: [String], timing: String = quickRadio, faults: String? = nil, adapter: String? = nil) -> String {
        var lines = [
            "adapter: {name: hci0, address: \"00:1A:7D:DA:71:13\", alias: dho-gateway, powered: false\(adapter.map { ", " + $0 } ?? "")}",
            "timing: \(timing)",
            "devices:",
            "  - address: \"\(thermometer)\"",
            "    name: \"UT-201BLE\"",
            "    advertisedServices: [\"1809\"]",
        ]
        if let faults { lines.append("    faults: \(faults)") }
        lines += ["    services:", "      - uuid: \"1809\"", "        characteristics:", "          - uuid: \"2A1C\"",
                  "            flags: [indicate]"]
        lines += sends.map { "            " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }

    static func write(_ text: String, in directory: URL) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("scenario-\(UUID().uuidString.prefix(8)).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
