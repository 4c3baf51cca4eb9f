import CancellableTimers
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a `HookCommand` with Foundation's Process.
///
/// - The JSON is written into the stdin pipe *before* the child starts (it is a few hundred bytes, far below
///   the pipe's capacity) and the write end is closed: the write can neither block nor raise SIGPIPE, however
///   the hook behaves.
/// - Foundation starts the child in its own process group, so the timeout kills the whole group
///   (a shell script and the `sleep` it started alike).
/// - stderr goes to an unlinked temporary file whose tail is kept for the log: no pipe to drain.
enum HookRunner {
    static let maximumPayload = 60_000

    static func run(_ command: HookCommand, payload: Data) async -> HookOutcome {
        guard payload.count <= maximumPayload else { return .failed("payload of \(payload.count) bytes is too large") }
        let process = Process()
        process.executableURL = command.executable
        process.arguments = command.arguments
        process.standardOutput = FileHandle.nullDevice

        let stdin = Pipe()
        let stderrURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("dho-triage-hook-\(UUID().uuidString).stderr")
        let stderrHandle: FileHandle
        do {
            try stdin.fileHandleForWriting.write(contentsOf: payload)
            try stdin.fileHandleForWriting.close()
            guard FileManager.default.createFile(atPath: stderrURL.path, contents: nil,
                                                 attributes: [.posixPermissions: 0o600]) else {
                return .failed("cannot create a file for the hook's stderr")
            }
            stderrHandle = try FileHandle(forUpdating: stderrURL)
            try? FileManager.default.removeItem(at: stderrURL)
        } catch {
            return .failed("cannot prepare the hook's input: \(error.localizedDescription)")
        }
        defer {
            try? stdin.fileHandleForReading.close()
            try? stderrHandle.close()
        }
        process.standardInput = stdin.fileHandleForReading
        process.standardError = stderrHandle

        let (exits, exitContinuation) = AsyncStream<(status: Int32, signalled: Bool)>.makeStream()
        process.terminationHandler = { finished in
            exitContinuation.yield((finished.terminationStatus, finished.terminationReason == .uncaughtSignal))
            exitContinuation.finish()
        }
        do {
            try process.run()
        } catch {
            return .failed("cannot start \(command.executable.path): \(error.localizedDescription)")
        }
        let pid = process.processIdentifier
        let killer = Task {
            try await CancellableSleep.sleep(for: command.timeout)
            // The whole process group: Foundation made the child its leader.
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        var exit: (status: Int32, signalled: Bool)?
        for await value in exits { exit = value }
        killer.cancel()
        let killedByTimeout = (try? await killer.value) != nil

        if killedByTimeout { return .timedOut }
        guard let exit else { return .failed("the hook's exit status is unknown") }
        if !exit.signalled && exit.status == 0 { return .delivered }
        let how = exit.signalled ? "was killed by signal \(exit.status)" : "exited with status \(exit.status)"
        return .failed("\(command.executable.lastPathComponent) \(how)\(stderrTail(stderrHandle))")
    }

    private static func stderrTail(_ handle: FileHandle) -> String {
        guard (try? handle.seek(toOffset: 0)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else { return "" }
        let text = String(decoding: data.suffix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "" : ": \(text)"
    }
}
