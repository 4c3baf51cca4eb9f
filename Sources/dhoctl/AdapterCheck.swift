import AdapterDiagnostics
import Foundation
import Gateway

/// The adapter diagnosis for this hub's configured adapter (`bluetooth.adapter`, hci0 when the configuration
/// cannot be read). `DHO_SYSFS_ROOT` points the rfkill check at another sysfs tree (tests, containers).
enum AdapterCheck {
    static func diagnosis(configPath: String) -> AdapterDiagnosis {
        let environment = ProcessInfo.processInfo.environment
        let adapter = (try? GatewayConfiguration.load(path: configPath, environment: environment))?.bluetooth.adapter ?? "hci0"
        return AdapterDiagnosis.current(adapter: adapter, sysfs: environment["DHO_SYSFS_ROOT"] ?? "/sys")
    }
}
