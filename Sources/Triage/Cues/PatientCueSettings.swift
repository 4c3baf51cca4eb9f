public import Foundation

/// Ready-made cues for patients without a tablet or with low digital skills: spoken Norwegian texts
/// (espeak-ng) and traffic-light LEDs. They are fed by the same durable hook queue as the configured hook, so a
/// cue missed by a crash or restart is still given afterwards.
public struct PatientCueSettings: Sendable, Equatable {
    public struct Speech: Sendable, Equatable {
        /// The speech synthesizer, normally /usr/bin/espeak-ng.
        public var executable: String
        /// espeak-ng voice (`-v`): "nb" is Norwegian Bokmål.
        public var voice: String
        /// espeak-ng amplitude (`-a`, 0–200).
        public var volume: Int
        /// A standing yellow/red alert is spoken again this often until it is acknowledged, superseded or cleared.
        public var repeatInterval: Duration
        /// No sound in these hours (local time of the home); a cue still standing is given when they end.
        public var quietHours: QuietHours?
        public var timeZone: TimeZone
        /// Where WAV files are written instead of playing on the audio device (tests, diagnosis); nil: the device.
        public var wavDirectory: String?
        /// Spoken after each reading is stored; nil: no spoken receipt.
        public var receiptText: String?
        /// Longest one utterance may take before the synthesizer is killed.
        public var timeout: Duration

        public init(executable: String = "/usr/bin/espeak-ng", voice: String = "nb", volume: Int = 100,
                    repeatInterval: Duration = .seconds(900), quietHours: QuietHours? = nil,
                    timeZone: TimeZone = TimeZone(identifier: "Europe/Oslo") ?? .current, wavDirectory: String? = nil,
                    receiptText: String? = "Målingen er mottatt.", timeout: Duration = .seconds(60)) {
            self.executable = executable
            self.voice = voice
            self.volume = volume
            self.repeatInterval = repeatInterval
            self.quietHours = quietHours
            self.timeZone = timeZone
            self.wavDirectory = wavDirectory
            self.receiptText = receiptText
            self.timeout = timeout
        }
    }

    public struct Lights: Sendable, Equatable {
        /// The LED class directory, /sys/class/leds on a real hub; a fake tree in tests.
        public var sysfsRoot: String
        public var green: String?
        public var yellow: String?
        public var red: String?
        /// Lit for `receiptDuration` after each stored reading.
        public var receipt: String?
        public var receiptDuration: Duration

        public init(sysfsRoot: String = "/sys/class/leds", green: String? = nil, yellow: String? = nil, red: String? = nil,
                    receipt: String? = nil, receiptDuration: Duration = .seconds(5)) {
            self.sysfsRoot = sysfsRoot
            self.green = green
            self.yellow = yellow
            self.red = red
            self.receipt = receipt
            self.receiptDuration = receiptDuration
        }
    }

    public var speech: Speech?
    public var lights: Lights?

    public init(speech: Speech? = nil, lights: Lights? = nil) {
        self.speech = speech
        self.lights = lights
    }
}

/// A daily span of local time, e.g. 22:00–07:00 (it may cross midnight).
public struct QuietHours: Sendable, Equatable {
    public var startMinute: Int
    public var endMinute: Int

    /// Parses "22:00-07:00"; nil for anything else (or an empty span).
    public init?(_ text: String) {
        let parts = text.replacingOccurrences(of: "–", with: "-").split(separator: "-").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard parts.count == 2, let start = Self.minute(parts[0]), let end = Self.minute(parts[1]), start != end else { return nil }
        startMinute = start
        endMinute = end
    }

    public func contains(_ date: Date, in timeZone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return startMinute < endMinute ? (minute >= startMinute && minute < endMinute)
            : (minute >= startMinute || minute < endMinute)
    }

    private static func minute(_ text: String) -> Int? {
        let fields = text.split(separator: ":")
        guard fields.count == 2, fields[1].count == 2, let hour = Int(fields[0]), let minute = Int(fields[1]),
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        return hour * 60 + minute
    }
}
