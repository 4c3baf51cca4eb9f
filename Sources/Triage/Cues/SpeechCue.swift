import Foundation

/// Speaks one text with espeak-ng, on the audio device or into a WAV file.
///
/// It reuses the hook runner: the text goes in on stdin (`--stdin`), so it is never a command-line argument
/// that other users could read in the process list, and a hung synthesizer (a stuck audio device) is killed
/// after the timeout like a hung hook.
struct SpeechCue: Sendable {
    let speech: PatientCueSettings.Speech

    /// The arguments espeak-ng gets for one utterance; `wavFile` nil plays on the audio device.
    func arguments(wavFile: String?) -> [String] {
        ["-v", speech.voice, "-a", "\(speech.volume)", "--stdin"] + (wavFile.map { ["-w", $0] } ?? [])
    }

    func speak(_ text: String, name: String) async -> HookOutcome {
        var wavFile: String?
        if let directory = speech.wavDirectory {
            wavFile = URL(fileURLWithPath: directory).appendingPathComponent(name + ".wav").path
        }
        let command = HookCommand(executable: URL(fileURLWithPath: speech.executable), arguments: arguments(wavFile: wavFile),
                                  timeout: speech.timeout)
        let outcome = await HookRunner.run(command, payload: Data(text.utf8))
        // The spoken text is health information: only the gateway's user may read the recording.
        if let wavFile, outcome == .delivered {
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: wavFile)
        }
        return outcome
    }
}
