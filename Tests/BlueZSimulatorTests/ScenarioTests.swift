import BlueZ
@testable import BlueZSimulator
import Foundation
import HealthProfiles
import Testing

@Suite struct ScenarioTests {
    static let demoPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../profiles/sim/demo.yaml").standardizedFileURL.path

    @Test(.timeLimit(.minutes(1)))
    func anchorsAndAliasesAreRefused() {
        var bomb = "devices: []\n"
        for (index, name) in "abcdefghij".enumerated() {
            let items = index == 0 ? Array(repeating: "x", count: 9) : Array(repeating: "*" + String(Array("abcdefghij")[index - 1]), count: 9)
            bomb += "\(name): &\(name) [" + items.joined(separator: ", ") + "]\n"
        }
        bomb += "? *j\n: 1\n"
        #expect(throws: ScenarioError("line 2: anchors and aliases (&name, *name) are not supported")) {
            try Scenario.parse(yaml: bomb)
        }
    }

    @Test func documentedDemoScenarioLoads() throws {
        let scenario = try Scenario.load(path: Self.demoPath)
        #expect(scenario.adapter.name == "hci0")
        #expect(scenario.devices.count == 6)
        let cuff = try #require(scenario.devices.first)
        #expect(cuff.address == BluetoothAddress("A0:9E:1A:00:00:01"))
        #expect(cuff.connectFailures == 1)
        #expect(cuff.gattExport == .delayed)
        #expect(cuff.manufacturerData == [0x0157: [0x01, 0x02]])
        // deviceInformation became a 0x180A service with the four strings.
        let information = try #require(cuff.services.first)
        #expect(information.uuid == GATTService.deviceInformation.uuid)
        #expect(information.characteristics.map(\.value) == ["A&D Medical", "UA-651BLE", "5150123456", "1.2.0"]
            .map { Array($0.utf8) })
        let measurement = try #require(cuff.characteristic(GATTCharacteristic.bloodPressureMeasurement.uuid))
        #expect(measurement.stored.first == [0x1E, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00, 0x00, 0x00, 0x04, 0x11, 0x14,
                                             0x29, 0x3B, 0x3C, 0x00, 0x01, 0x27, 0x00])
        let meter = scenario.devices[2]
        #expect(meter.pairing?.passkey == 123456)
        #expect(meter.glucoseRecords.map(\.sequence) == [1, 2, 3])
        #expect(meter.characteristic(GATTCharacteristic.recordAccessControlPoint.uuid)?.flags == ["write", "indicate"])
        #expect(scenario.devices[1].characteristic(GATTCharacteristic.plxContinuousMeasurement.uuid)?.stream?.frames.count == 3)
    }

    @Test(arguments: [
        ("devices: [{address: \"zz\"}]", "'zz' is not a device address"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", colour: red}]", "unknown key(s) colour"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\"}, {address: \"a0-9e-1a-00-00-01\"}]", "appears twice"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", services: [{uuid: \"1810\", characteristics: [{uuid: \"2A35\", flags: [indicate], stored: [\"1E 8\"]}]}]}]",
         "odd number of hex digits"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", services: [{uuid: \"1810\", characteristics: [{uuid: \"2A35\", flags: [read], stored: [\"1E\"]}]}]}]",
         "neither notify nor indicate"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", services: [{uuid: \"1810\", characteristics: [{uuid: \"2A35\", flags: [fly]}]}]}]",
         "unknown characteristic flag 'fly'"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", pairing: {method: passkeyEntry}}]", "needs a passkey"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", pairing: {passkey: 1000000}}]", "passkey must be"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", glucoseRecords: [\"0B\"]}]", "too short to hold a sequence number"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", battery: 120}]", "battery"),
        ("timing: {connectDelayMs: -1}", "timing.connectDelayMs"),
        ("adapter: {name: \"hci 0\"}", "adapter name"),
        ("adapter: {busyAfterRestart: -1}", "adapter.busyAfterRestart"),
        ("adapter: {poweringAfterRestartMs: 600000}", "adapter.poweringAfterRestartMs"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", services: [{uuid: \"1810\", characteristics: [{uuid: \"2A35\"}, {uuid: \"0x2a35\"}]}]}]",
         "appears twice"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", gattExport: sometimes}]", "gattExport"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", quirks: {forgetsSubscription: true}}]", "unknown key(s) forgetsSubscription"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", quirks: {bondLossFailsOn: pairing}}]", "bondLossFailsOn"),
        ("devices: [{address: \"A0:9E:1A:00:00:01\", bluetoothd: {pairWithoutBond: maybe}}]", "pairWithoutBond"),
        ("devices: {address: x}", "expected"),
    ])
    func invalidScenariosAreRefusedWithAClearReason(yaml: String, reason: String) {
        do {
            _ = try Scenario.parse(yaml: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(reason), "\(error.description) should mention \(reason)")
        }
    }

    @Test func hexAcceptsTheUsualSpellings() throws {
        #expect(try HexBytes(text: "1E 8A 00").bytes == [0x1E, 0x8A, 0x00])
        #expect(try HexBytes(text: "1e8a00").bytes == [0x1E, 0x8A, 0x00])
        #expect(try HexBytes(text: "1E:8A:00").bytes == [0x1E, 0x8A, 0x00])
        #expect(try HexBytes(text: "").bytes == [])
        #expect(throws: ScenarioError.self) { try HexBytes(text: "1G") }
    }
}
