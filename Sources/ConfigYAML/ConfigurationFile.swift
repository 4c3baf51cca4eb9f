import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a configuration file as UTF-8, turning every failure into a `ConfigError` that says why in the
/// words of the operating system ("No such file or directory", "Permission denied").
public func readConfigurationFile(_ path: String) throws(ConfigError) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        let reason: String
        if access(path, R_OK) != 0 {
            reason = String(cString: strerror(errno))
        } else {
            var isDirectory: ObjCBool = false
            reason = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
                ? "is a directory" : "unreadable"
        }
        throw ConfigError(source: path, line: nil, keyPath: "", message: "cannot be read: \(reason)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw ConfigError(source: path, line: nil, keyPath: "", message: "is not UTF-8 text")
    }
    return text
}
