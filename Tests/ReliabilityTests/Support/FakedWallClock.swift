import Foundation
import GatewayTestSupport

/// Runs the daemon with a wall clock the test sets while it runs: Debian's libfaketime reads the offset from a
/// file on every clock call, and `Tests/peers/faketime_companion.c` (loaded first) keeps libfaketime away from
/// the monotonic timers Swift concurrency sleeps on and from the program's arguments. Only the wall clock
/// moves, as when a hub's clock is set.
struct FakedWallClock {
    let offsetFile: URL
    /// For `GatewayHarness.startDaemon(environment:)`.
    let environment: [String: String]

    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    static let libraryCandidates = [
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
        "/usr/lib/faketime/libfaketimeMT.so.1",
    ]

    static func prepare(in directory: URL) async throws -> FakedWallClock {
        guard let library = libraryCandidates.first(where: FileManager.default.fileExists(atPath:)) else {
            throw Unavailable(description: "libfaketime is not installed (Debian package faketime; scripts/ensure-deps installs it)")
        }
        let source = GatewayHarness.repository.appendingPathComponent("Tests/peers/faketime_companion.c").path
        let shim = directory.appendingPathComponent("faketime-companion.so").path
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let compilers = ["cc", "clang", "gcc"].flatMap { name in path.split(separator: ":").map { "\($0)/\(name)" } }
        guard let compiler = compilers.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw Unavailable(description: "no C compiler (cc, clang or gcc; the Swift toolchain's clang will do) on PATH")
        }
        let built = try await ProcessRunner.run(URL(fileURLWithPath: compiler), ["-shared", "-fPIC", "-O2", "-o", shim, source, "-ldl"],
                                                workingDirectory: directory)
        guard built.status == 0 else { throw Unavailable(description: "cannot build \(source): \(built.stderr)") }
        let offsetFile = directory.appendingPathComponent("faketime-offset")
        let clock = FakedWallClock(offsetFile: offsetFile, environment: [
            "LD_PRELOAD": "\(shim) \(library)",
            "FAKETIME_TIMESTAMP_FILE": offsetFile.path,
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "NO_FAKE_STAT": "1",
        ])
        try clock.set("+0")
        return clock
    }

    /// Sets the offset from the real time: "+0", "-1d", "+2d", "-3h" (libfaketime's relative format).
    func set(_ offset: String) throws {
        try (offset + "\n").write(to: offsetFile, atomically: true, encoding: .utf8)
    }
}
