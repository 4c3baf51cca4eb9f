public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a finished command printed and how it ended.
public struct CommandOutput: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs short-lived commands (dhoctl) as a technician would, from async tests.
///
/// Output goes through files, not pipes: a pipe's write end is inherited by any process the (parallel)
/// test run spawns meanwhile, and reading it to end-of-file would then wait for that unrelated process.
/// Waiting happens on the process's termination handler, never on a thread of the concurrency pool.
public enum ProcessRunner {
    public static func run(
        _ executable: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil,
        workingDirectory: URL
    ) async throws -> CommandOutput {
        let id = UUID().uuidString.prefix(8)
        let outURL = workingDirectory.appendingPathComponent("cmd-\(id).out")
        let errURL = workingDirectory.appendingPathComponent("cmd-\(id).err")
        let inURL = workingDirectory.appendingPathComponent("cmd-\(id).in")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: inURL.path, contents: Data((stdin ?? "").utf8))
        defer { [outURL, errURL, inURL].forEach { try? FileManager.default.removeItem(at: $0) } }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return CommandOutput(
            status: status,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
