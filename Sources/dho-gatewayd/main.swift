import ArgumentParser
import CDaemonMemory
import Foundation
import Gateway
import Logging
import OneJobThread

/// The DHO Gateway daemon: BLE health devices → SQLite → triage → FHIR follow-up centre.
/// Runs under systemd (Type=notify, watchdog); SIGTERM/SIGINT shut it down gracefully.
@main
struct GatewayDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dho-gatewayd", abstract: "DHO Gateway daemon.", version: GatewayVersion.current)

    @Option(help: "Configuration file.")
    var config = "/etc/dho-gateway/gateway.yaml"

    /// Every task of the daemon runs on one thread of its own (see `JobThread`: fewer wake-ups and less CPU per
    /// reading than dispatch's pool); installed before the command's own tasks start.
    static func main() async {
        _ = JobThread.installAsGlobalExecutor(name: "dho-jobs")
        await main(nil)
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration.load(path: config, environment: environment)
        } catch {
            // Before logging is set up; the file may hold anything, so the message is escaped as the log handler would.
            FileHandle.standardError.write(Data("dho-gatewayd: configuration error: \(VisibleText.escaping("\(error)"))\n".utf8))
            throw ExitCode(78)  // EX_CONFIG: systemd shows it, `dhoctl config check` explains it
        }
        // Before anything is read from them: files others could change must not steer triage or forwarding.
        let unsafe = ProtectedFiles.problems(configuration: configuration, configPath: config)
        if !unsafe.isEmpty {
            for problem in unsafe { FileHandle.standardError.write(Data("dho-gatewayd: configuration error: \(problem)\n".utf8)) }
            throw ExitCode(78)
        }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, level: level) }
        let logger = Logger(label: "dho-gatewayd")
        logger.info("starting", metadata: ["config": "\(configuration.redactedSummary)"])

        let runtime: GatewayRuntime
        do {
            runtime = try await GatewayRuntime.start(configuration: configuration, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(error.exitCode)
        }
        let control = ControlServer(
            path: configuration.paths.controlSocket,
            policy: ControlAccessPolicy(technicianGroup: configuration.technicianGroup),
            handler: GatewayCommands(runtime: runtime), logger: logger)
        let services = GatewayServices.group(
            runtime: runtime, control: control, notifier: SystemdNotifier(environment: environment),
            idleMemory: IdleMemoryRelease { let kilobytes = dho_release_idle_memory(); return kilobytes < 0 ? nil : kilobytes })
        var failure: (any Error)?
        do { try await services.run() } catch { failure = error }
        await runtime.shutdown()
        if let failure {
            // Not half alive: every service was stopped in order; systemd (Restart=always) starts the daemon again.
            logger.critical("stopped after a failure: \(failure)")
            throw ExitCode(70)  // EX_SOFTWARE
        }
        logger.notice("stopped")
    }
}
