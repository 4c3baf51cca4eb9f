import ConfigYAML
import Foundation
import Testing
import Triage
@testable import Gateway

/// The `cues:` section of gateway.yaml (README "Patient cues"): what it turns on, and mistakes named precisely.
@Suite struct PatientCueConfigurationTests {
    static func parse(_ cues: String) throws(ConfigError) -> GatewayConfiguration {
        try GatewayConfiguration.parse(yaml: GatewayConfigurationTests.minimal + "\ncues:\n" + cues, source: "gateway.yaml",
                                       environment: [:])
    }

    @Test func speechAndLightsAreParsedWithTheirDefaults() throws {
        let configuration = try Self.parse("""
              speech:
                quiet-hours: "22:00-07:00"
                volume: 150
              lights:
                red: "dho:red"
                receipt: "dho:receipt"

            """)
        let speech = try #require(configuration.alerts.cues?.speech)
        #expect(speech.voice == "nb" && speech.volume == 150 && speech.repeatInterval == .seconds(900))
        #expect(speech.wavDirectory == nil && speech.receiptText == "Målingen er mottatt.")
        #expect(speech.timeZone.identifier == "Europe/Oslo")
        let lights = try #require(configuration.alerts.cues?.lights)
        #expect(lights.sysfsRoot == "/sys/class/leds" && lights.red == "dho:red" && lights.green == nil)
        #expect(try GatewayConfiguration.parse(yaml: GatewayConfigurationTests.minimal, source: "g", environment: [:])
            .alerts.cues == nil)
    }

    @Test(arguments: [
        ("  speech:\n    quiet-hours: \"22-07\"\n", "cues.speech.quiet-hours: must be a local time span"),
        ("  speech:\n    quiet-hours: \"07:00-07:00\"\n", "cues.speech.quiet-hours: must be a local time span"),
        ("  speech:\n    output: wav-directory\n", "cues.speech.wav-directory: is required with output: wav-directory"),
        ("  speech:\n    output: speaker\n", "cues.speech.output: must be audio-device or wav-directory"),
        ("  speech:\n    volume: 300\n", "cues.speech.volume: must be between 0 and 200"),
        ("  speech:\n    voice: \"nb; rm\"\n", "cues.speech.voice: must be an espeak-ng voice name"),
        ("  lights:\n    red: \"../../etc\"\n", "cues.lights.red: must be an LED name"),
        ("  lights:\n    red: a\n    green: a\n", "names the same LED as"),
        ("  lights:\n    sysfs-root: /sys/class/leds\n", "cues.lights: names no LED"),
        ("  sound: {}\n", "cues.sound: unknown key"),
    ])
    func mistakesAreNamedPrecisely(cues: String, expected: String) {
        do {
            _ = try Self.parse(cues)
            Issue.record("accepted invalid configuration")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func quietHoursMayCrossMidnightInTheHomesTimeZone() throws {
        let oslo = try #require(TimeZone(identifier: "Europe/Oslo"))
        let quiet = try #require(QuietHours("22:00-07:00"))
        func at(_ text: String) throws -> Date { try #require(ISO8601DateFormatter().date(from: text)) }
        #expect(quiet.contains(try at("2026-01-10T21:30:00Z"), in: oslo))   // 22:30 in Oslo
        #expect(quiet.contains(try at("2026-01-10T05:59:00Z"), in: oslo))   // 06:59
        #expect(!quiet.contains(try at("2026-01-10T06:00:00Z"), in: oslo))  // 07:00: quiet hours over
        #expect(!quiet.contains(try at("2026-01-10T12:00:00Z"), in: oslo))
        let day = try #require(QuietHours("12:00-13:00"))
        #expect(day.contains(try at("2026-07-10T10:30:00Z"), in: oslo))    // 12:30 summer time
        #expect(!day.contains(try at("2026-07-10T12:30:00Z"), in: oslo))
    }
}
