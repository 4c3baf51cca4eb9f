import Foundation
import Glibc

/// A connected pair of sockets, both close-on-exec, for talking to a child process.
///
/// Foundation's `Pipe` creates descriptors without close-on-exec, so every process spawned afterwards
/// (tests run in parallel) inherits them; then closing our end no longer produces end-of-file for the
/// child, and lifelines stop working. These are only handed to the intended child, as its stdin/stdout.
struct ChildSocketPair {
    /// Our end.
    let parent: FileHandle
    /// The child's end: pass it as the child's stdin or stdout, then call `closeChildEnd` after launch.
    let child: FileHandle

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        parent = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        child = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
    }

    func closeChildEnd() {
        try? child.close()
    }
}
