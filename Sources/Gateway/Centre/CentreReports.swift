import Forwarding
import Foundation
import Logging
import ReadingStore
import Triage

/// What the hub reports about itself to the centre, each on its own schedule: the check-in (`CheckInReporter`).
struct CentreReports {
    let checkIns: CheckInReporter

    init(
        store: ReadingStore, triage: Triage, mapper: FHIRMapper, configuration: GatewayConfiguration,
        wakeForwarder: @escaping @Sendable () -> Void, logger: Logger
    ) {
        checkIns = CheckInReporter(
            store: store, triage: triage, mapper: mapper, gatewayID: configuration.identity.gatewayID,
            interval: configuration.centre.checkInInterval, wakeForwarder: wakeForwarder, logger: logger)
    }

    /// Runs until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await checkIns.run() }
        }
    }
}
