import Foundation
public import HealthProfiles
#if canImport(Glibc)
import Glibc
#endif

/// All device profiles of a directory (profiles/devices), loaded and validated together at start-up.
public struct DeviceProfileCatalog: Sendable {
    public let profiles: [DeviceProfile]

    public init(profiles: [DeviceProfile]) { self.profiles = profiles }

    /// Loads every *.yaml / *.yml file of `directory` (not recursive, in name order). Any problem in any file
    /// fails the whole load, listing every problem found, so the daemon never starts with a half-read set.
    public static func load(directory: String) throws(DeviceProfileLoadError) -> DeviceProfileCatalog {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
        } catch {
            // The operating system's words ("No such file or directory", "Permission denied", "Not a directory"),
            // not Foundation's "The operation could not be completed".
            let reason = opendir(directory).map { handle -> String in
                closedir(handle)
                return error.localizedDescription
            } ?? String(cString: strerror(errno))
            throw DeviceProfileLoadError([DeviceProfileError(file: directory, keyPath: "", problem: .unreadable(reason))])
        }
        guard !names.isEmpty else {
            throw DeviceProfileLoadError([DeviceProfileError(file: directory, keyPath: "", problem: .noProfiles)])
        }

        var errors: [DeviceProfileError] = []
        var profiles: [DeviceProfile] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                errors.append(DeviceProfileError(file: path, keyPath: "", problem: .unreadable("no such file or not readable")))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                errors.append(DeviceProfileError(file: path, keyPath: "", problem: .unreadable("not UTF-8 text")))
                continue
            }
            do {
                profiles.append(try DeviceProfileParser.parse(yaml: text, file: path))
            } catch {
                errors.append(contentsOf: error.errors)
            }
        }
        errors += duplicates(in: profiles)
        guard errors.isEmpty else { throw DeviceProfileLoadError(errors) }
        return DeviceProfileCatalog(profiles: profiles)
    }

    static func duplicates(in profiles: [DeviceProfile]) -> [DeviceProfileError] {
        var errors: [DeviceProfileError] = []
        var byID: [String: DeviceProfile] = [:]
        var byService: [GATTService: DeviceProfile] = [:]
        var byModel: [String: DeviceProfile] = [:]
        for profile in profiles {
            if let first = byID[profile.id] {
                errors.append(DeviceProfileError(
                    file: profile.sourceFile, keyPath: "id", problem: .duplicateProfile(id: profile.id, otherFile: first.sourceFile)))
            } else {
                byID[profile.id] = profile
            }
            // Model profiles share their service with the general profile; each model belongs to one of them.
            guard profile.models.isEmpty else {
                for model in profile.models {
                    if let first = byModel[model.lowercased()], first.id != profile.id {
                        errors.append(DeviceProfileError(
                            file: profile.sourceFile, keyPath: "models",
                            problem: .duplicateModel(model: model, otherFile: first.sourceFile)))
                    } else {
                        byModel[model.lowercased()] = profile
                    }
                }
                continue
            }
            if let first = byService[profile.service] {
                errors.append(DeviceProfileError(
                    file: profile.sourceFile, keyPath: "service",
                    problem: .duplicateService(service: DeviceProfileParser.serviceLabel(profile.service), otherFile: first.sourceFile)))
            } else {
                byService[profile.service] = profile
            }
        }
        return errors
    }

    public func profile(id: String) -> DeviceProfile? { profiles.first { $0.id == id } }

    /// The general profile of `service` (not a model profile).
    public func profile(for service: GATTService) -> DeviceProfile? {
        profiles.first { $0.service == service && $0.models.isEmpty }
    }

    /// The profiles matching the services a device advertises or exposes (a scale may offer two): first the
    /// model profiles for the device's advertised `name`, then the general ones. Model profiles for other
    /// models are left out.
    public func profiles(forServiceUUIDs uuids: [BluetoothUUID], name: String? = nil) -> [DeviceProfile] {
        let services = Set(uuids.compactMap { $0.short.flatMap(GATTService.init(rawValue:)) })
        let offered = profiles.filter { services.contains($0.service) }
        return offered.filter { $0.isModelProfile(for: name) } + offered.filter { $0.models.isEmpty }
    }
}
