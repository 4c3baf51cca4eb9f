import GRDB

/// Statements over "these rows" (the forwarder's claim, its delivery mark, the claim's reading look-up): a few
/// rows are ONE cached single-row statement (`… WHERE id = ?`) executed once per id; a big batch (a backlog's
/// Bundle of 100) is one cached statement over the ids bound as a JSON list (`id IN (SELECT value FROM
/// json_each(?))`).
///
/// Why both: GRDB's query interface built and compiled `id IN (?, ?, …)` on every call (with the claim's other
/// statements ~9 % of the daemon's CPU under load, perf, issue 16), and `IN (?, ?, …)` cached per count would
/// keep a statement per batch size seen. The JSON list compiles once, but SQLite materialises an `IN (subquery)`
/// in a temporary b-tree for every execution: opening it (a fresh page cache, page-faulted in each time) was 4–5 %
/// of the daemon's CPU under `bench resources`' load, where the batch is one row. A primary-key look-up per row
/// costs a statement step each, which for a Bundle of 100 came to a few hundred microseconds per Bundle of the
/// backlog drain (about 5 % of it): from `listMinimum` ids on, the list's one statement is cheaper.
enum RowIDList {
    /// From this many ids on, one statement over the JSON list.
    static let listMinimum = 16

    /// The condition `sql` is completed with: the id column `column` equal to one bound id, or in the bound list.
    static func condition(_ column: String, forCount count: Int) -> String {
        count >= listMinimum ? "\(column) IN (SELECT value FROM json_each(?))" : "\(column) = ?"
    }

    /// Executes the statement `sql(condition)` for `ids`, with `leading` bound before the id (or the list).
    static func execute(
        _ db: Database, _ sql: (_ condition: String) -> String, column: String = "id",
        leading: [(any DatabaseValueConvertible)?] = [], forEach ids: [Int64]
    ) throws {
        guard !ids.isEmpty else { return }
        let statement = try db.cachedStatement(sql: sql(condition(column, forCount: ids.count)))
        if ids.count >= listMinimum {
            try statement.execute(arguments: StatementArguments(leading + [argument(ids)]))
        } else {
            for id in ids { try statement.execute(arguments: StatementArguments(leading + [id])) }
        }
    }

    /// The records the statement `sql(condition)` finds for `ids` (in no particular order).
    static func fetchAll<Record: FetchableRecord>(
        _ db: Database, _ sql: (_ condition: String) -> String, column: String = "id", forEach ids: [Int64],
        as type: Record.Type = Record.self
    ) throws -> [Record] {
        guard !ids.isEmpty else { return [] }
        let statement = try db.cachedStatement(sql: sql(condition(column, forCount: ids.count)))
        if ids.count >= listMinimum { return try Record.fetchAll(statement, arguments: [argument(ids)]) }
        return try ids.compactMap { try Record.fetchOne(statement, arguments: [$0]) }
    }

    /// The list argument: "[1,2,3]".
    static func argument(_ ids: [Int64]) -> String {
        var text = "["
        for (index, id) in ids.enumerated() {
            if index > 0 { text += "," }
            text += String(id)
        }
        return text + "]"
    }
}
