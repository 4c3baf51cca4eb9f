import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates the database files private and refuses files and a directory that someone else could read or
/// replace: health data is readable by the gateway's user only.
///
/// SQLite creates `-wal` and `-shm` with the permission bits (and, running as root, the owner) of the main
/// database file, so creating the main file as 0600 *before* SQLite opens it protects all three without
/// touching the process-wide umask. What was there before is never trusted or repaired: a directory or file
/// owned by another user, or open to group or others, may already be held open by that user, and a symbolic
/// link planted as `-wal` would make any repair act on its target. Before SQLite opens them every file is opened
/// with O_NOFOLLOW and judged by fstat on that descriptor; once SQLite holds them they are judged by lstat (see
/// `verify`); SQLite itself opens the files with O_NOFOLLOW too.
enum DatabaseFile {
    static let fileMode: mode_t = 0o600
    static let directoryMode: mode_t = 0o700

    static func companions(of path: String) -> [String] { [path, path + "-wal", path + "-shm"] }

    /// Makes sure the directory exists (created 0700) and is the daemon user's, not writable by group or
    /// others, and that the database file exists with mode 0600 and its companions are safe.
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
        try checkDirectory(directory.isEmpty ? "." : directory)
        try checkFile(path, create: true)
        for companion in companions(of: path).dropFirst() { try checkFile(companion, create: false) }
    }

    /// Checks the three files again once SQLite has created the companions, by `lstat`, never by opening them:
    /// closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's included, and
    /// without its lock on `-shm` another process (dhoctl, outbox-drain, sqlite3) closing the database takes itself
    /// for the last user and deletes `-wal` and `-shm` under the open store, whose later commits would then go to
    /// an unlinked file (`ReadingStoreTests.SharedFileTests`). SQLite opened them with O_NOFOLLOW itself.
    static func verify(path: String) throws(StoreError) {
        for file in companions(of: path) {
            var info = stat()
            guard lstat(file, &info) == 0 else {
                if errno == ENOENT { continue }
                throw .cannotOpen(path: file, reason: String(cString: strerror(errno)))
            }
            if info.st_mode & S_IFMT == S_IFLNK { throw symbolicLink(file) }
            try judge(info, path: file)
        }
    }

    /// The directory must be this user's and not writable by group or others: anyone who can write to it
    /// can swap the database or plant its `-wal` and `-shm` (a directory systemd or the store created is 0700).
    static func checkDirectory(_ directory: String) throws(StoreError) {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw .cannotOpen(path: directory, reason: String(cString: strerror(errno)))
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .unsafeFile(path: directory, reason: "is not a directory") }
        if info.st_uid != geteuid() {
            throw .unsafeFile(path: directory, reason: "the state directory is owned by \(userName(info.st_uid)), not by the "
                + "daemon's user \(userName(geteuid())): remove it (or chown it to \(userName(geteuid()))) and start again")
        }
        if info.st_mode & 0o022 != 0 {
            throw .unsafeFile(path: directory, reason: "the state directory is writable by group or others "
                + "(mode \(octal(info.st_mode))); chmod 0700 \(directory)")
        }
    }

    /// Opens `path` without following a symbolic link (creating it 0600 when `create`), and checks on that
    /// descriptor that it is a regular file of this user with mode 0600 or stricter. A missing companion is fine.
    static func checkFile(_ path: String, create: Bool) throws(StoreError) {
        let flags = (create ? O_CREAT | O_RDWR : O_RDONLY | O_NONBLOCK) | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY
        let descriptor = open(path, flags, fileMode)
        guard descriptor >= 0 else {
            let error = errno
            if error == ENOENT, !create { return }
            if error == ELOOP { throw symbolicLink(path) }
            throw .cannotOpen(path: path, reason: String(cString: strerror(error)))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        try judge(info, path: path)
    }

    static func symbolicLink(_ path: String) -> StoreError {
        .unsafeFile(path: path, reason: "is a symbolic link: the database files are never followed elsewhere; remove "
            + "the link (rm \(path)) and start again")
    }

    /// A regular file of this user with mode 0600 or stricter.
    static func judge(_ info: stat, path: String) throws(StoreError) {
        guard info.st_mode & S_IFMT == S_IFREG else { throw .unsafeFile(path: path, reason: "is not a regular file") }
        if info.st_uid != geteuid() {
            throw .unsafeFile(path: path, reason: "is owned by \(userName(info.st_uid)), not by the daemon's user "
                + "\(userName(geteuid())), who may already have read it: move it aside and start again")
        }
        if info.st_mode & 0o077 != 0 {
            throw .unsafeFile(path: path, reason: "is readable or writable by group or others (mode \(octal(info.st_mode))), "
                + "who may already hold it open: move it aside, or if nobody else can have opened it, chmod 0600 \(path)")
        }
    }

    static func octal(_ mode: mode_t) -> String { String(mode & 0o7777, radix: 8) }

    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return "\(String(cString: name)) (uid \(uid))"
    }
}
