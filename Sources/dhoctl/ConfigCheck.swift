import ArgumentParser
import DeviceProfiles
import Foundation
import Gateway
import Triage

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate configuration files.", subcommands: [Check.self], defaultSubcommand: Check.self)

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate the gateway configuration, the device profiles and the care plan (no daemon needed).")

        @Option(help: "Configuration file.") var config = "/etc/dho-gateway/gateway.yaml"

        func run() throws {
            let problems = ConfigurationCheck.problems(configPath: config)
            if problems.isEmpty {
                print("configuration OK: \(config)")
            } else {
                problems.forEach { Terminal.error("\($0)\n") }
                throw ExitCode(78)
            }
        }
    }
}

/// Everything the daemon reads at start-up, checked the same way it will be read.
enum ConfigurationCheck {
    static func problems(configPath: String) -> [String] {
        let configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration.load(path: configPath, environment: ProcessInfo.processInfo.environment)
        } catch {
            return [error.description]
        }
        var problems = ProtectedFiles.problems(configuration: configuration, configPath: configPath)
        do { _ = try DeviceProfileCatalog.load(directory: configuration.paths.profilesDirectory + "/devices") } catch {
            problems.append(error.description)
        }
        do {
            _ = try CarePlanDocument.load(
                template: GatewayRuntime.carePlanTemplateURL(configuration),
                overrides: configuration.patient.carePlanOverrides.map(URL.init(fileURLWithPath:)))
        } catch {
            problems.append("\(error)")
        }
        for (name, path) in [("bearer token", configuration.forwarding.bearerTokenFile), ("CA file", configuration.forwarding.caFile),
                             ("client certificate", configuration.forwarding.clientCertificate), ("client key", configuration.forwarding.clientKey),
                             ("token-service key file", configuration.forwarding.authentication?.keyFile),
                             ("token-service CA file", configuration.forwarding.authentication?.caFile)] {
            guard let path else { continue }
            if !FileManager.default.fileExists(atPath: path) { problems.append("\(configPath): \(name) \(path) does not exist") }
        }
        return problems
    }
}
