#if canImport(Glibc)
import Glibc
#endif

/// Who may use the control interface: root, the daemon's own user, and members of the technicians group.
///
/// The decision uses the kernel's peer credentials (SO_PEERCRED), never anything the client says, so that
/// the file mode of the socket is a first barrier and this check a second one that holds even if an
/// operator loosens the mode.
public struct ControlAccessPolicy: Sendable {
    public var technicianGroup: String?
    public var daemonUID: UInt32

    public init(technicianGroup: String?, daemonUID: UInt32? = nil) {
        self.technicianGroup = technicianGroup
        self.daemonUID = daemonUID ?? getuid()
    }

    public func permits(_ peer: PeerCredentials) -> Bool {
        if peer.uid == 0 || peer.uid == daemonUID { return true }
        guard let technicianGroup, let groupID = Self.groupID(named: technicianGroup) else { return false }
        if peer.gid == groupID { return true }
        return Self.supplementaryGroups(ofUser: peer.uid, primary: peer.gid).contains(groupID)
    }

    static func groupID(named name: String) -> UInt32? {
        var group = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }

    /// Groups of the peer's *user* as /etc/group lists them. (The peer process's own supplementary groups
    /// would be exact, but /proc of other users is hidden from the daemon by ProtectProc=invisible.)
    static func supplementaryGroups(ofUser uid: UInt32, primary: UInt32) -> [UInt32] {
        var password = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(uid, &password, &buffer, buffer.count, &result) == 0, result != nil,
              let name = password.pw_name
        else { return [] }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primary, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primary, &groups, &count) >= 0 else { return [] }
        }
        return Array(groups.prefix(Int(count)))
    }
}
