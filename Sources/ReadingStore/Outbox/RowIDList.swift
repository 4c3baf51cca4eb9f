import GRDB

/// A list of row ids bound as ONE statement argument (a JSON array read by SQLite's `json_each`), so that a
/// statement over "these ids" has one text whatever their number and can be a cached prepared statement.
///
/// Why: the forwarder's claim, the delivery mark and the claim's reading look-up ran `id IN (?, ?, …)` through
/// GRDB's query interface, which builds and compiles the SQL on every call (with the claim's other statements,
/// ~9 % of the daemon's CPU under load, perf, issue 16). `IN (?, ?, …)` cached per count would keep a statement
/// per batch size seen.
enum RowIDList {
    /// The SQL condition "`column` is one of the ids bound at this place".
    static func contains(_ column: String) -> String {
        "\(column) IN (SELECT value FROM json_each(?))"
    }

    /// The argument for `contains`: "[1,2,3]".
    static func argument(_ ids: some Sequence<Int64>) -> String {
        var text = "["
        var first = true
        for id in ids {
            if !first { text += "," }
            first = false
            text += String(id)
        }
        return text + "]"
    }
}
