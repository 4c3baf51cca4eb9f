import GRDB

/// Statements over "these rows" (the forwarder's claim, its delivery mark, the claim's reading look-up) run as
/// ONE cached single-row statement (`… WHERE id = ?`) executed once per id.
///
/// Why: GRDB's query interface built and compiled `id IN (?, ?, …)` on every call (with the claim's other
/// statements ~9 % of the daemon's CPU under load, perf, issue 16), and `IN (?, ?, …)` cached per count would
/// keep a statement per batch size seen. The list bound as one JSON argument (`id IN (SELECT value FROM
/// json_each(?))`) compiled once, but SQLite materialises an `IN (subquery)` in a temporary b-tree for every
/// execution: opening it (a fresh page cache, page-faulted in each time) was 4–5 % of the daemon's CPU under
/// `bench resources`' load, where the batch is one row. A primary-key look-up per row costs one step each.
enum RowIDList {
    /// Executes `statement`, whose last parameter is the row id, once for each of `ids`, with `leading` bound
    /// before it.
    static func execute(_ statement: Statement, leading: [(any DatabaseValueConvertible)?] = [], forEach ids: some Sequence<Int64>) throws {
        for id in ids { try statement.execute(arguments: StatementArguments(leading + [id])) }
    }
}
