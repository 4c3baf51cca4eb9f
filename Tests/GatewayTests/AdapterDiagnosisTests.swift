import AdapterDiagnostics
import Foundation
import GatewayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `dhoctl doctor`/`status` explain a missing or broken controller from the kernel's side (issue 17, part 3).
@Suite struct AdapterDiagnosisTests {
    static let usable = Controller(name: "hci0", address: "00:1A:7D:DA:71:13", bus: "USB", up: true, running: true, lowEnergy: true)

    @Test func aUsableAdapterHasNoProblem() {
        let diagnosis = AdapterDiagnosis.judge(adapter: "hci0", controllers: .success([Self.usable]), radioSwitches: [])
        #expect(diagnosis.isUsable)
        #expect(diagnosis.summary == "hci0 00:1A:7D:DA:71:13 (USB), up, Low Energy")
    }

    @Test func eachBrokenStateIsExplainedWithItsFix() {
        let noKernel = AdapterDiagnosis.judge(adapter: "hci0", controllers: .failure(.noKernelSupport), radioSwitches: [])
        #expect(!noKernel.kernelSupport)
        #expect(noKernel.summary.contains("no Bluetooth support") && noKernel.summary.contains("modprobe bluetooth"))

        let unplugged = AdapterDiagnosis.judge(adapter: "hci0", controllers: .success([]), radioSwitches: [])
        #expect(unplugged.problems == ["no Bluetooth controller: plug the adapter in (lsusb should list it) and check dmesg for firmware errors"])

        let otherName = AdapterDiagnosis.judge(adapter: "hci1", controllers: .success([Self.usable]), radioSwitches: [])
        #expect(otherName.summary.contains("no controller hci1 (the kernel has hci0)"))

        var down = Self.usable
        down.up = false
        let soft = RadioSwitch(name: "hci0", softBlocked: true, hardBlocked: false)
        let blocked = AdapterDiagnosis.judge(adapter: "hci0", controllers: .success([down]), radioSwitches: [soft])
        #expect(blocked.problems == ["Bluetooth is blocked in software (rfkill hci0 soft-blocked): rfkill unblock bluetooth"])
        let merelyDown = AdapterDiagnosis.judge(adapter: "hci0", controllers: .success([down]), radioSwitches: [])
        #expect(merelyDown.summary.contains("hci0 is down"))

        let hard = RadioSwitch(name: "hci0", softBlocked: true, hardBlocked: true)
        let switchedOff = AdapterDiagnosis.judge(adapter: "hci0", controllers: .success([]), radioSwitches: [hard])
        #expect(switchedOff.problems.first?.contains("hardware switch") == true)
        #expect(switchedOff.problems.count == 2)  // and no controller (a hard-blocked USB adapter often vanishes)

        var classic = Self.usable
        classic.lowEnergy = false
        #expect(AdapterDiagnosis.judge(adapter: "hci0", controllers: .success([classic]), radioSwitches: [])
            .summary.contains("does not support Bluetooth Low Energy"))
    }

    @Test func rfkillSwitchesAreReadFromSysfs() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sysfs-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        func add(_ entry: String, type: String, soft: Int, hard: Int) throws {
            let directory = root.appendingPathComponent("class/rfkill/\(entry)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (file, value) in [("type", type), ("name", entry == "rfkill0" ? "hci0" : "phy0"), ("soft", "\(soft)"), ("hard", "\(hard)")] {
                try "\(value)\n".write(to: directory.appendingPathComponent(file), atomically: true, encoding: .utf8)
            }
        }
        try add("rfkill0", type: "bluetooth", soft: 1, hard: 0)
        try add("rfkill1", type: "wlan", soft: 1, hard: 1)
        #expect(RadioSwitch.read(sysfs: root.path) == [RadioSwitch(name: "hci0", softBlocked: true, hardBlocked: false)])
        #expect(RadioSwitch.read(sysfs: root.appendingPathComponent("missing").path).isEmpty)
    }

    /// The real path: libbluetooth's HCI ioctls on this machine, through dhoctl doctor. Containers and CI kernels
    /// often have no Bluetooth at all, which must be a clean explanation, not a crash.
    @Test func doctorAsksTheKernelWithoutBluetoothd() async throws {
        let gateway = try await GatewayHarness.start(startDaemon: false)
        let doctor = try await gateway.dhoctl(["doctor", "--config", gateway.configPath, "--json"])
        await gateway.stop()
        let findings = try JSONSerialization.jsonObject(with: Data(doctor.stdout.utf8)) as? [[String: String]] ?? []
        let controller = try #require(findings.first { $0["check"] == "bluetooth controller" }, "\(doctor.stdout)")
        let probe = socket(AF_BLUETOOTH, Int32(SOCK_RAW.rawValue), 1)
        let kernelHasBluetooth = probe >= 0 || errno != EAFNOSUPPORT
        if probe >= 0 { close(probe) }
        if kernelHasBluetooth {
            #expect(controller["detail"]?.isEmpty == false)
        } else {
            #expect(controller["result"] == "fail")
            #expect(controller["detail"]?.contains("the kernel has no Bluetooth support") == true, "\(controller)")
        }
    }
}
