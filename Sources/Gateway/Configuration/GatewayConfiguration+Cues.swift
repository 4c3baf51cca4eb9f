import ConfigYAML
import Foundation
import Triage

extension GatewayConfiguration {
    /// The `cues` section: ready-made patient cues (speech, lights). Absent: none, only the hook (if any).
    static func parseCues(_ cues: MappingView?, timeZone: String) throws(ConfigError) -> PatientCueSettings? {
        guard let cues else { return nil }
        try cues.allowOnly(["speech", "lights"])
        var settings = PatientCueSettings()
        if let speech = try cues.optionalMapping("speech") {
            settings.speech = try parseSpeech(speech, timeZone: timeZone)
        }
        if let lights = try cues.optionalMapping("lights") {
            settings.lights = try parseLights(lights)
        }
        return settings.speech == nil && settings.lights == nil ? nil : settings
    }

    private static func parseSpeech(_ speech: MappingView, timeZone: String) throws(ConfigError) -> PatientCueSettings.Speech? {
        try speech.allowOnly([
            "enabled", "voice", "volume", "repeat-interval", "quiet-hours", "output", "wav-directory", "receipt", "timeout",
            "synthesizer",
        ])
        guard try speech.optionalBool("enabled") ?? true else { return nil }
        var result = PatientCueSettings.Speech(timeZone: TimeZone(identifier: timeZone) ?? .current)
        result.executable = try speech.optionalAbsolutePath("synthesizer") ?? result.executable
        let voice = try speech.optionalString("voice") ?? "nb"
        guard !voice.isEmpty, voice.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-+_/".contains($0)) }) else {
            throw speech.error(at: "voice", "must be an espeak-ng voice name such as nb")
        }
        result.voice = voice
        result.volume = try speech.optionalInt("volume", in: 0...200) ?? 100
        result.repeatInterval = try speech.optionalDuration("repeat-interval", in: 0.5...86_400) ?? .seconds(900)
        result.timeout = try speech.optionalDuration("timeout", in: 1...600) ?? .seconds(60)
        if let quiet = try speech.optionalString("quiet-hours") {
            guard let hours = QuietHours(quiet) else {
                throw speech.error(at: "quiet-hours", "must be a local time span such as \"22:00-07:00\" (got \"\(quiet)\")")
            }
            result.quietHours = hours
        }
        switch try speech.optionalString("output") ?? "audio-device" {
        case "audio-device":
            if speech.optional("wav-directory") != nil {
                throw speech.error(at: "wav-directory", "is only used with output: wav-directory")
            }
        case "wav-directory":
            guard let directory = try speech.optionalAbsolutePath("wav-directory") else {
                throw speech.error(at: "wav-directory", "is required with output: wav-directory")
            }
            result.wavDirectory = directory
        case let other:
            throw speech.error(at: "output", "must be audio-device or wav-directory (got \"\(other)\")")
        }
        let receipt = try speech.optionalString("receipt") ?? "Målingen er mottatt."
        result.receiptText = receipt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : receipt
        return result
    }

    private static func parseLights(_ lights: MappingView) throws(ConfigError) -> PatientCueSettings.Lights {
        try lights.allowOnly(["sysfs-root", "green", "yellow", "red", "receipt", "receipt-duration"])
        var result = PatientCueSettings.Lights()
        result.sysfsRoot = try lights.optionalAbsolutePath("sysfs-root") ?? result.sysfsRoot
        var names: [String: String] = [:]
        for colour in ["green", "yellow", "red", "receipt"] {
            guard let name = try lights.optionalString(colour) else { continue }
            // A LED class name is one directory entry: no path may lead out of the LED directory.
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw lights.error(at: colour, "must be an LED name under \(result.sysfsRoot), such as dho:red")
            }
            if let other = names[name] {
                throw lights.error(at: colour, "names the same LED as \(other)")
            }
            names[name] = colour
        }
        guard !names.isEmpty else { throw lights.error("names no LED: give at least one of green, yellow, red, receipt") }
        result.green = try lights.optionalString("green")
        result.yellow = try lights.optionalString("yellow")
        result.red = try lights.optionalString("red")
        result.receipt = try lights.optionalString("receipt")
        result.receiptDuration = try lights.optionalDuration("receipt-duration", in: 0.1...600) ?? .seconds(5)
        return result
    }
}
