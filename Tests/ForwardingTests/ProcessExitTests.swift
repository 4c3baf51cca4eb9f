import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `ProcessExit.unreapedStatus`, which the test keys' openssl runs fall back on when Foundation has not yet reaped
/// a child that has exited: it reads the status and leaves the child for its owner to reap.
@Suite struct ProcessExitTests {
    @Test("an exited child's status is read without reaping it, an exit code and a signal alike")
    func unreapedStatusLeavesTheChildToItsOwner() throws {
        for (script, expected) in [("exit 3", Int32(3)), ("kill -9 $$", Int32(SIGKILL))] {
            let pid = try spawn(["/bin/sh", "-c", script])
            let deadline = ContinuousClock.now + .seconds(30)
            var status: Int32?
            while status == nil, ContinuousClock.now < deadline {
                status = ProcessExit.unreapedStatus(pid: pid)
                if status == nil { usleep(5_000) }
            }
            #expect(status == expected, "\(script)")
            // Still there for its owner: reaped here, once, with the same ending.
            var raw: Int32 = 0
            #expect(waitpid(pid, &raw, 0) == pid)
            #expect(raw & 0x7F == (expected == 3 ? 0 : expected), "\(script): \(raw)")
            #expect(ProcessExit.unreapedStatus(pid: pid) == nil, "reaped: nothing left to read")
        }
    }

    @Test("a child still running has no status")
    func runningChildHasNone() throws {
        let pid = try spawn(["/bin/sleep", "5"])
        #expect(ProcessExit.unreapedStatus(pid: pid) == nil)
        kill(pid, SIGKILL)
        var raw: Int32 = 0
        #expect(waitpid(pid, &raw, 0) == pid)
    }

    private func spawn(_ arguments: [String]) throws -> pid_t {
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let code = posix_spawn(&pid, arguments[0], nil, nil, argv, environ)
        guard code == 0 else { throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO) }
        return pid
    }
}
