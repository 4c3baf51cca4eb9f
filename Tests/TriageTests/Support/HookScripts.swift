import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import Triage

/// Real executables for hook tests, written into the test's temp directory.
enum HookScripts {
    static func make(_ directory: TempDirectory, name: String, body: String) throws -> URL {
        let url = directory.file(name)
        try ("#!/bin/sh\n" + body + "\n").write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        return url
    }

    /// Saves each JSON payload it receives as out-N.json in `directory`.
    static func recorder(_ directory: TempDirectory) throws -> HookCommand {
        let script = try make(directory, name: "record-hook.sh", body: """
            n=$(ls "$1" | grep -c '^out-')
            cat > "$1/out-$n.json"
            """)
        return HookCommand(executable: script, arguments: [directory.url.path], timeout: .seconds(20))
    }

    static func payloads(_ directory: TempDirectory) throws -> [[String: Any]] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
            .filter { $0.hasPrefix("out-") }.sorted { ($0.count, $0) < ($1.count, $1) }
        return try names.map { name in
            let data = try Data(contentsOf: directory.file(name))
            return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }
    }

    /// Whether `pid` is gone (or only a zombie waiting for its reaper).
    static func isDead(_ pid: pid_t) -> Bool {
        if kill(pid, 0) != 0 { return true }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
    }
}
