import Dispatch

extension DispatchTimeInterval {
    /// `duration` as dispatch counts it, in nanoseconds: none below zero, `.never` beyond Int.max ns (292 years).
    init(clamping duration: Duration) {
        guard duration > .zero else {
            self = .nanoseconds(0)
            return
        }
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else {
            self = .never
            return
        }
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        self = overflowAgain ? .never : .nanoseconds(Int(total))
    }
}
