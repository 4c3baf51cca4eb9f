import Foundation
import GatewayTestSupport
import Testing
@testable import Gateway

/// A neighbour's device named with a newline and ANSI escapes printed a forged "… provisioned" row in
/// `dhoctl scan`. Text output shows such names escaped; `--json` keeps them exact.
extension SecurityTests {
    static let forgedRow = "A0:9E:1A:00:00:99  Forged-Cuff  -40  blood-pressure  provisioned"
    static let hostileName = "Cuff\n\u{1B}[2K\u{1B}[1A" + forgedRow

    @Test func aDeviceNameWithANewlineAndEscapesCannotForgeARowOfDhoctlScan() async throws {
        let scratch = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        // YAML double quotes: \n is a newline, \e is ESC; the simulator advertises the name byte for byte.
        let scenario = scratch.appendingPathComponent("neighbour.yaml")
        try """
            adapter: {name: hci0, address: "00:1A:7D:DA:71:13", powered: false}
            devices:
              - address: "A0:9E:1A:00:00:66"
                name: "Cuff\\n\\e[2K\\e[1A\(Self.forgedRow)"
                rssi: -50
                advertisedServices: ["1810"]
            """.write(to: scenario, atomically: true, encoding: .utf8)
        let gateway = try await GatewayHarness.start(scenario: scenario.path)

        let json = try #require(try await gateway.dhoctlJSON(["scan", "--seconds", "2"]) as? [[String: Any]])
        #expect(json.first?["name"] as? String == Self.hostileName)

        let text = try await gateway.dhoctl(["scan", "--seconds", "2"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(!text.stdout.contains("\u{1B}") && !(text.stdout + text.stderr).unicodeScalars.contains("\u{1B}"))
        let rows = text.stdout.split(separator: "\n")
        #expect(rows.count == 2, "\(text.stdout)")  // the header and one device
        #expect(!rows.contains { $0.hasPrefix("A0:9E:1A:00:00:99") })
        #expect(text.stdout.contains(#"Cuff\n\u{1B}[2K\u{1B}[1AA0:9E:1A:00:00:99  Forged-Cuff"#), "\(text.stdout)")
        await gateway.stop()
    }
}

@Suite struct VisibleTextTests {
    @Test func controlsNewlinesAndBidiOverridesBecomeVisibleEscapes() {
        #expect(VisibleText.escaping("a\nb\r\tc") == #"a\nb\r\tc"#)
        #expect(VisibleText.escaping("\u{1B}[2Kx") == #"\u{1B}[2Kx"#)
        #expect(VisibleText.escaping("\u{9B}31m\u{85}\u{7F}\u{0}") == #"\u{9B}31m\u{85}\u{7F}\u{0}"#)  // C1 CSI, NEL, DEL, NUL
        #expect(VisibleText.escaping("abc\u{202E}fed\u{2066}\u{200F}") == #"abc\u{202E}fed\u{2066}\u{200F}"#)
        #expect(VisibleText.escaping("x\u{2028}y\u{2029}") == #"x\u{2028}y\u{2029}"#)
    }

    @Test func ordinaryTextIsLeftAsItIs() {
        for text in ["UA-651BLE", "Blodtrykksmåler ÆØÅ", "Dr Hаnsen", "温度计 🌡️", "C:\\path", "", "a b"] {
            #expect(VisibleText.escaping(text) == text)
        }
    }
}
