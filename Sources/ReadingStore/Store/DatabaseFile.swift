import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates and protects the database files: health data is readable by the gateway's user only.
///
/// SQLite creates `-wal` and `-shm` with the same permission bits as the main database file (the unix VFS
/// copies them), so creating the main file as 0600 *before* SQLite opens it protects all three without
/// touching the process-wide umask, which other threads may depend on. `tighten` is re-applied after
/// open for files left behind by an older version or created by hand.
enum DatabaseFile {
    static let fileMode: mode_t = 0o600
    static let directoryMode: mode_t = 0o700

    static func companions(of path: String) -> [String] { [path, path + "-wal", path + "-shm"] }

    /// Makes sure the directory exists and the database file exists with mode 0600.
    static func prepare(path: String) throws(StoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: NSNumber(value: directoryMode)])
            } catch {
                throw .cannotOpen(path: path, reason: "cannot create directory: \(error.localizedDescription)")
            }
        }
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        close(descriptor)
        try tighten(path: path)
    }

    /// chmod 0600 on the database file and whichever of its companions exist.
    static func tighten(path: String) throws(StoreError) {
        for file in companions(of: path) where FileManager.default.fileExists(atPath: file) {
            guard chmod(file, fileMode) == 0 else {
                throw .cannotOpen(path: file, reason: "chmod 0600 failed: \(String(cString: strerror(errno)))")
            }
        }
    }
}
