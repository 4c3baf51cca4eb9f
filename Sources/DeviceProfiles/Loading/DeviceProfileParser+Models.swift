import Foundation
import Yams

/// The per-model keys: `models` (which devices a model profile is for) and `time_sync.when` (the clock step).
extension DeviceProfileParser {
    /// Longest model text: advertised names hold at most 29 bytes in an advertisement, 248 in GAP.
    static let maximumModelLength = 64

    /// `time_sync.when`: `before-subscribing` or `after-subscribing` (the default).
    static func clockStepOrder(
        _ text: String?, root: Node, fail: (String, Int?, DeviceProfileError.Problem) -> Void
    ) -> TimeSync.Order {
        guard let text else { return .afterSubscribing }
        guard let order = TimeSync.Order(rawValue: text) else {
            fail("time_sync.when", line(root, "time_sync", "when"), .invalidValue(
                "'\(text)' is not a clock step (\(TimeSync.Order.allCases.map(\.rawValue).joined(separator: ", ")))"))
            return .afterSubscribing
        }
        return order
    }

    /// `time_sync.write` (default true) and `time_sync.format` (`sig`, the default, or `ascensia-clock`): whether and
    /// how the clock is written. A clock that is never written has no step before subscribing, and Ascensia's
    /// clock is written after subscribing (its notifications first), so those combinations are refused.
    static func clockWriting(
        _ entry: DeviceProfileFile.TimeSyncEntry, root: Node, fail: (String, Int?, DeviceProfileError.Problem) -> Void
    ) -> (write: Bool, format: TimeSync.Format) {
        let write = entry.write ?? true
        var format = TimeSync.Format.sig
        if let text = entry.format {
            if let known = TimeSync.Format(rawValue: text) {
                format = known
            } else {
                fail("time_sync.format", line(root, "time_sync", "format"), .invalidValue(
                    "'\(text)' is not a clock format (\(TimeSync.Format.allCases.map(\.rawValue).joined(separator: ", ")))"))
            }
        }
        if !write, entry.when == TimeSync.Order.beforeSubscribing.rawValue {
            fail("time_sync.when", line(root, "time_sync", "when"), .invalidValue(
                "a clock that is never written (write: false) has no clock step; leave 'when' out"))
        }
        if !write, format != .sig {
            fail("time_sync.format", line(root, "time_sync", "format"), .invalidValue(
                "a clock that is never written (write: false) has no write format; leave 'format' out"))
        }
        if format == .ascensiaClock, entry.when == TimeSync.Order.beforeSubscribing.rawValue {
            fail("time_sync.when", line(root, "time_sync", "when"), .invalidValue(
                "Ascensia's clock is written after subscribing (its notifications first), before the records are asked for"))
        }
        return (write, format)
    }

    /// `models`: non-empty texts of printable characters, each at most `maximumModelLength` long, none twice.
    static func validateModels(
        _ models: [String]?, root: Node, fail: (String, Int?, DeviceProfileError.Problem) -> Void
    ) -> [String] {
        guard let models else { return [] }
        if models.isEmpty {
            fail("models", line(root, "models"), .invalidValue("must list at least one model (or be left out for a general profile)"))
        }
        var seen: Set<String> = []
        for (index, model) in models.enumerated() {
            let path = "models[\(index)]"
            let position = line(root, "models", "\(index)")
            if model.trimmingCharacters(in: .whitespaces).isEmpty {
                fail(path, position, .invalidValue("must not be empty"))
            } else if model.count > maximumModelLength {
                fail(path, position, .invalidValue("is longer than \(maximumModelLength) characters"))
            } else if model.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) {
                fail(path, position, .invalidValue("holds control or formatting characters"))
            } else if !seen.insert(model.lowercased()).inserted {
                fail(path, position, .invalidValue("'\(model)' is listed twice"))
            }
        }
        return models
    }
}
