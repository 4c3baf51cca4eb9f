/// One log line when a run of the same failure starts, and one with the count when it ends, instead of a line
/// per frame (a full disk refusing every frame of a transfer wrote thousands of identical errors).
struct FailureEpisode: Sendable {
    private(set) var count = 0

    /// Counts one failure; true for the first of an episode (the one to log).
    mutating func record() -> Bool {
        count += 1
        return count == 1
    }

    /// Ends the episode: the number of failures in it, nil if there was none.
    mutating func end() -> Int? {
        defer { count = 0 }
        return count > 0 ? count : nil
    }
}
