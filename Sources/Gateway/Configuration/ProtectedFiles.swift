import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Every file and directory that decides how readings are triaged or where they go — the configuration, the
/// device profiles, the care-plan templates and overrides, the bearer token, the CA file, the client
/// certificate and key, the alert hook — must be changeable by root or the daemon's user only: a care plan
/// that a local user can edit lowers the SpO2 limits, a hook they can replace runs as the daemon. Each such
/// path and every directory above it must be owned by root or the daemon's user and not be writable by group
/// or others. A world-writable directory *above* one of them is accepted when it is sticky (/tmp): nobody
/// else can then rename or remove what root or the daemon's user put in it.
///
/// The daemon refuses to start (exit 78) and `dhoctl config check` fails on the same messages.
public enum ProtectedFiles {
    /// One message per offending path (a directory shared by several files is named once), empty when all
    /// is well. Paths that do not exist are left to the checks that read them.
    public static func problems(configuration: GatewayConfiguration, configPath: String) -> [String] {
        var messages: [String] = []
        var reported: Set<String> = []
        for (what, path) in protectedPaths(configuration: configuration, configPath: configPath) {
            guard let weakness = weakness(of: path), reported.insert(weakness.path).inserted else { continue }
            let subject = weakness.path == path ? "\(what) \(path)" : "\(what) \(path): \(weakness.path)"
            messages.append("\(subject) \(weakness.reason): anyone who can change it decides how readings are triaged "
                            + "or where they go; \(weakness.fix)")
        }
        return messages
    }

    /// What the daemon reads that affects triage or forwarding, named as the technician knows it.
    static func protectedPaths(configuration: GatewayConfiguration, configPath: String) -> [(String, String)] {
        let absoluteConfig = configPath.hasPrefix("/")
            ? configPath : FileManager.default.currentDirectoryPath + "/" + configPath
        var paths: [(String, String)] = [("configuration file", absoluteConfig)]
        let devices = configuration.paths.profilesDirectory + "/devices"
        paths.append(("device profiles", devices))
        let profiles = (try? FileManager.default.contentsOfDirectory(atPath: devices)) ?? []
        for name in profiles.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            paths.append(("device profile", devices + "/" + name))
        }
        let template = GatewayRuntime.carePlanTemplateURL(configuration).path
        if !configuration.patient.carePlanTemplate.hasPrefix("/") {
            paths.append(("care-plan templates", configuration.paths.profilesDirectory + "/care"))
        }
        paths.append(("care-plan template", template))
        let forwarding = configuration.forwarding
        let optional: [(String, String?)] = [
            ("care-plan overrides", configuration.patient.carePlanOverrides),
            ("bearer token file", forwarding.bearerTokenFile), ("CA file", forwarding.caFile),
            ("client certificate", forwarding.clientCertificate), ("client key", forwarding.clientKey),
            ("token-service key file", forwarding.authentication?.keyFile),
            ("token-service CA file", forwarding.authentication?.caFile),
            ("alert hook", configuration.alerts.hookCommand),
            ("speech synthesizer", configuration.alerts.cues?.speech?.executable),
        ]
        for case let (what, path?) in optional { paths.append((what, path)) }
        return paths
    }

    struct Weakness {
        /// The path at fault: the file itself or a directory above it.
        var path: String
        var reason: String
        var fix: String
    }

    /// The first path from `/` down to `path` (and down to what it resolves to, if a symbolic link is on the
    /// way) that someone other than root or the daemon's user could change; nil if none.
    static func weakness(of path: String) -> Weakness? {
        let trusted = trustedOwners()
        var chains = [prefixes(of: path)]
        if let resolved = realpath(path, nil) {
            let target = String(cString: resolved)
            free(resolved)
            if target != path { chains.append(prefixes(of: target)) }
        }
        for chain in chains {
            for (index, component) in chain.enumerated() {
                var info = stat()
                guard lstat(component, &info) == 0 else { break }
                if !trusted.contains(info.st_uid) {
                    return Weakness(path: component, reason: "is owned by \(userName(info.st_uid)), not by root or the daemon's user",
                                    fix: "chown root \(component) (or move it somewhere only root can write)")
                }
                let type = info.st_mode & S_IFMT
                if type == S_IFLNK { continue }  // its mode means nothing; its directory and its target are checked
                let isLast = index == chain.count - 1
                let stickyAbove = type == S_IFDIR && info.st_mode & S_ISVTX != 0 && !isLast
                if info.st_mode & 0o022 != 0, !stickyAbove {
                    return Weakness(path: component, reason: "is writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8)))",
                                    fix: "chmod go-w \(component)")
                }
            }
        }
        return nil
    }

    /// "/", "/a", "/a/b", ... "/a/b/c" for "/a/b/c" ("." components dropped).
    static func prefixes(of path: String) -> [String] {
        var result = ["/"]
        var current = ""
        for component in path.split(separator: "/") where component != "." {
            current += "/" + component
            result.append(current)
        }
        return result
    }

    /// Root, this process's user (the daemon's, or the technician's running `dhoctl config check` in a test
    /// checkout), and the service user `dho-gateway` when it exists (so dhoctl judges as the daemon will).
    static func trustedOwners() -> Set<uid_t> {
        var owners: Set<uid_t> = [0, geteuid()]
        if let entry = getpwnam("dho-gateway") { owners.insert(entry.pointee.pw_uid) }
        return owners
    }

    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return "\(String(cString: name)) (uid \(uid))"
    }
}
