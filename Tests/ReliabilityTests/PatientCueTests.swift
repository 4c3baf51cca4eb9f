import BlueZ
import Foundation
import GatewayTestSupport
import Testing

extension DeviceDataFaults {
    /// The ready-made patient cues (README "Patient cues"): the alert's Norwegian self-treatment text spoken by
    /// espeak-ng (here into WAV files, measured with sox), the zone on the hub's LEDs (a fake sysfs tree) and a
    /// receipt for each stored reading — all fed by the durable hook queue.
    @Suite struct PatientCueTests {
        /// 39.5 °C (red under the COPD plan) and 37.0 °C (green), IEEE-11073 FLOAT with exponent -1.
        static let red: [UInt8] = [0x00, 0x8B, 0x01, 0x00, 0xFF]
        static let green: [UInt8] = [0x00, 0x72, 0x01, 0x00, 0xFF]
        static let scenario = Scenarios.thermometerHome(sends: [#"stored: ["00 8B 01 00 FF"]"#, "disconnectAfterStored: true"])

        /// A work directory with a fake LED class tree (`leds/dho:<colour>/brightness`) and a WAV directory.
        struct Rig {
            let work: URL
            var leds: URL { work.appendingPathComponent("leds") }
            var wavs: URL { work.appendingPathComponent("wav") }

            init(_ name: String) throws {
                work = FileManager.default.temporaryDirectory.appendingPathComponent("dho-cues-\(name)-\(UUID().uuidString.prefix(8))")
                try FileManager.default.createDirectory(at: work.appendingPathComponent("wav"), withIntermediateDirectories: true)
                for colour in ["green", "yellow", "red", "receipt"] {
                    let led = work.appendingPathComponent("leds/dho:\(colour)")
                    try FileManager.default.createDirectory(at: led, withIntermediateDirectories: true)
                    try "0\n".write(to: led.appendingPathComponent("brightness"), atomically: false, encoding: .utf8)
                    // Real LEDs differ: a GPIO LED has 1, a PWM LED 255.
                    try (colour == "red" ? "255\n" : "1\n").write(
                        to: led.appendingPathComponent("max_brightness"), atomically: false, encoding: .utf8)
                }
            }

            func configuration(speech extra: String = "") -> String {
                """
                cues:
                  speech:
                    voice: nb
                    volume: 150
                    repeat-interval: 1s
                    output: wav-directory
                    wav-directory: \(wavs.path)
                \(extra.isEmpty ? "" : "    " + extra + "\n")  lights:
                    sysfs-root: \(leds.path)
                    green: "dho:green"
                    yellow: "dho:yellow"
                    red: "dho:red"
                    receipt: "dho:receipt"
                    receipt-duration: 60s

                """
            }

            func brightness(_ colour: String) -> Int {
                let text = try? String(contentsOf: leds.appendingPathComponent("dho:\(colour)/brightness"), encoding: .utf8)
                return Int(text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? -1
            }

            /// WAV files whose name ends in `-<cue>.wav`, oldest first.
            func recordings(_ cue: String) -> [URL] {
                ((try? FileManager.default.contentsOfDirectory(atPath: wavs.path)) ?? [])
                    .filter { $0.hasSuffix("-\(cue).wav") }.sorted().map { wavs.appendingPathComponent($0) }
            }

            /// Seconds of audio, as sox measures them.
            func duration(_ file: URL) async throws -> Double {
                let output = try await ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/soxi"), ["-D", file.path], workingDirectory: work)
                return try #require(Double(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(output.stderr)")
            }
        }

        @Test func aRedAlertIsSpokenInNorwegianLitRedAndRepeatedUntilAcknowledged() async throws {
            let rig = try Rig("red")
            defer { try? FileManager.default.removeItem(at: rig.work) }
            let gateway = try await GatewayHarness.start(
                scenario: try Scenarios.write(Self.scenario, in: rig.work), extraConfiguration: rig.configuration(),
                revisitInterval: "1s")
            try await withGateway("patient-cues", gateway) {
                let paired = try await gateway.dhoctl(["pair", Scenarios.thermometer, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")

                // Red on the LEDs, the others dark, the receipt lit.
                try await gateway.waitUntil("the red LED to light") { rig.brightness("red") == 255 }
                #expect(rig.brightness("green") == 0 && rig.brightness("yellow") == 0)
                try await gateway.waitUntil("the receipt LED to light") { rig.brightness("receipt") == 1 }

                // The self-treatment text and the receipt spoken, in the nb voice; the long text takes longer.
                try await gateway.waitUntil("the alert and the receipt to be spoken") {
                    !rig.recordings("alert").isEmpty && !rig.recordings("receipt").isEmpty
                }
                let alert = try await rig.duration(rig.recordings("alert")[0])
                let receipt = try await rig.duration(rig.recordings("receipt")[0])
                #expect(alert > 1 && alert < 60, "alert text spoken for \(alert) s")
                #expect(receipt > 0.5 && receipt < alert, "receipt spoken for \(receipt) s, alert for \(alert) s")
                #expect(gateway.daemonLog.contains("patient cue spoken"))
                #expect(gateway.daemonLog.contains("voice=nb") || gateway.daemonLog.contains("\"voice\":\"nb\""),
                        "\(gateway.daemonLog.split(separator: "\n").filter { $0.contains("patient cue") })")
                // The spoken text is health information: no one else may read it.
                let mode = try FileManager.default.attributesOfItem(atPath: rig.recordings("alert")[0].path)[.posixPermissions] as? Int
                #expect(mode == 0o600)

                // Repeated every second while it stands...
                try await gateway.waitUntil("the alert to be repeated") { rig.recordings("alert-repeat").count >= 2 }
                // ...and no longer once acknowledged (one repetition may already be under way).
                let alerts = try await gateway.dhoctlJSON(["alerts"]) as? [[String: Any]] ?? []
                let id = try #require(alerts.first { $0["zone"] as? String == "red" }?["id"] as? String)
                #expect(try await gateway.dhoctl(["alerts", "ack", id, "--by", "nurse-1"]).status == 0)
                let atAcknowledgement = rig.recordings("alert-repeat").count
                try await Task.sleep(for: .seconds(3))
                #expect(rig.recordings("alert-repeat").count <= atAcknowledgement + 1)

                // A green reading: green lit, red dark.
                try await gateway.measure(try #require(BluetoothAddress(Scenarios.thermometer)), "2A1C", Self.green, expecting: 2)
                try await gateway.waitUntil("the green LED to light") { rig.brightness("green") == 1 }
                #expect(rig.brightness("red") == 0 && rig.brightness("yellow") == 0)
                #expect(try await gateway.technicalAlerts().isEmpty)
            }
        }

        @Test func quietHoursHoldTheSpokenAlertUntilTheyEnd() async throws {
            let rig = try Rig("quiet")
            defer { try? FileManager.default.removeItem(at: rig.work) }
            // Quiet from an hour ago to an hour from now in the home's time; then the wall clock moves 2 h on.
            let format = DateFormatter()
            format.timeZone = TimeZone(identifier: "Europe/Oslo")
            format.dateFormat = "HH:mm"
            let quiet = format.string(from: Date() - 3600) + "-" + format.string(from: Date() + 3600)
            let gateway = try await GatewayHarness.start(
                scenario: try Scenarios.write(Self.scenario, in: rig.work),
                extraConfiguration: rig.configuration(speech: "quiet-hours: \"\(quiet)\""), startDaemon: false)
            try await withGateway("patient-cues-quiet", gateway) {
                let clock = try await FakedWallClock.prepare(in: gateway.directory)
                try await gateway.startDaemon(environment: clock.environment)
                let paired = try await gateway.dhoctl(["pair", Scenarios.thermometer, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                // The receipt LED follows the alert in the queue: once it is lit, the alert has had its turn.
                try await gateway.waitUntil("the receipt LED to light") { rig.brightness("receipt") == 1 }
                #expect(rig.brightness("red") == 255, "the lights are not silenced")
                #expect(rig.recordings("alert").isEmpty && rig.recordings("receipt").isEmpty, "spoken in quiet hours")

                try clock.set("+2h")
                try await gateway.waitUntil("the alert to be spoken when quiet hours end") { !rig.recordings("alert").isEmpty }
                // A receipt is only worth saying at once: it was dropped, not saved up.
                #expect(rig.recordings("receipt").isEmpty)
            }
        }

        @Test func aCueMissedByAKillIsGivenAfterTheRestart() async throws {
            let rig = try Rig("kill")
            defer { try? FileManager.default.removeItem(at: rig.work) }
            // A synthesizer that hangs while `hold` exists: the daemon is killed in the middle of the cue.
            let hold = rig.work.appendingPathComponent("hold").path
            let started = rig.work.appendingPathComponent("started").path
            let synthesizer = rig.work.appendingPathComponent("espeak.sh").path
            try """
                #!/bin/sh
                if [ -e \(hold) ]; then echo $$ >> \(started); exec sleep 30; fi
                exec /usr/bin/espeak-ng "$@"

                """.write(toFile: synthesizer, atomically: true, encoding: .utf8)
            chmod(synthesizer, 0o755)
            #expect(FileManager.default.createFile(atPath: hold, contents: nil))
            let gateway = try await GatewayHarness.start(
                scenario: try Scenarios.write(Self.scenario, in: rig.work),
                extraConfiguration: rig.configuration(speech: "synthesizer: \(synthesizer)"))
            try await withGateway("patient-cues-kill", gateway) {
                let paired = try await gateway.dhoctl(["pair", Scenarios.thermometer, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the cue to start") { FileManager.default.fileExists(atPath: started) }
                #expect(rig.recordings("alert").isEmpty)
                #expect(await gateway.stopDaemon(signal: SIGKILL) == SIGKILL)
                // The hung synthesizers outlive the daemon (as a stuck audio device would not): end them.
                for line in ((try? String(contentsOfFile: started, encoding: .utf8)) ?? "").split(separator: "\n") {
                    // Only while the number is still that sleep's: once it has ended, another process may have it.
                    guard let pid = Int32(line),
                          let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                          command.hasPrefix("sleep\u{0}") else { continue }
                    kill(pid, SIGKILL)
                }
                try FileManager.default.removeItem(atPath: hold)

                try await gateway.startDaemon()
                try await gateway.waitUntil("the alert to be spoken after the restart") { !rig.recordings("alert").isEmpty }
                let seconds = try await rig.duration(rig.recordings("alert")[0])
                #expect(seconds > 1 && seconds < 60)
            }
        }

        @Test func aBrokenAudioDeviceIsATechnicalProblemNotACrash() async throws {
            let rig = try Rig("broken")
            defer { try? FileManager.default.removeItem(at: rig.work) }
            let synthesizer = rig.work.appendingPathComponent("espeak.sh").path
            try "#!/bin/sh\necho 'cannot open audio device' >&2\nexit 1\n".write(toFile: synthesizer, atomically: true, encoding: .utf8)
            chmod(synthesizer, 0o755)
            let gateway = try await GatewayHarness.start(
                scenario: try Scenarios.write(Self.scenario, in: rig.work),
                extraConfiguration: rig.configuration(speech: "synthesizer: \(synthesizer)"))
            try await withGateway("patient-cues-broken", gateway) {
                let paired = try await gateway.dhoctl(["pair", Scenarios.thermometer, "--by", "technician-e2e"])
                #expect(paired.status == 0, "\(paired.stderr)")
                try await gateway.waitUntil("the audio failure to be a technical problem") {
                    try await gateway.technicalAlerts().contains("patient-cue-failing")
                }
                let status = try await gateway.dhoctl(["status"])
                #expect(status.stdout.contains("cannot open audio device"), "\(status.stdout)")
                // The lights do not depend on the sound.
                #expect(rig.brightness("red") == 255)
            }
        }
    }
}
