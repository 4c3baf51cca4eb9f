import ReadingStore
import Synchronization

/// Sensor Device fullUrls, each derived once (a SHA-256 digest): every Observation of every reading refers to its
/// sensor's Device, so deriving it each time cost more than the rest of the reference. A hub has a handful of
/// sensors; the memo is emptied if it ever holds many (a key per reading would be a bug elsewhere, not a leak here).
final class SensorDeviceURLs: Sendable {
    private let urls = Mutex<[SensorKey: String]>([:])
    static let limit = 256

    func url(for key: SensorKey, derive: () -> String) -> String {
        if let known = urls.withLock({ $0[key] }) { return known }
        let url = derive()
        urls.withLock { urls in
            if urls.count >= Self.limit { urls.removeAll() }
            urls[key] = url
        }
        return url
    }
}
