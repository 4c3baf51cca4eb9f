import GRDB

/// Every way a store operation can fail. A failed write leaves the database as it was before the call:
/// each public write is one SQLite transaction, rolled back on any error.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// SQLite reported SQLITE_FULL: the disk (or the configured page limit) is full. Nothing of the failed
    /// operation was written. The caller must raise an alert and must not acknowledge the device.
    case diskFull
    /// The database file or its directory could not be created, opened or protected.
    case cannotOpen(path: String, reason: String)
    /// The database directory or a database file could be read or replaced by someone other than this user
    /// (owned by another user, open to group or others, a symbolic link): refused, never repaired.
    case unsafeFile(path: String, reason: String)
    /// SQLite found the file is not a database or is damaged.
    case corrupt(reason: String)
    /// Another SQLite failure; the transaction was rolled back.
    case database(code: Int32, message: String)
    /// A migration registered by another module is malformed (e.g. duplicate identifier).
    case invalidMigration(String)
    /// A caller-supplied value cannot be stored (e.g. an empty outbox key).
    case invalidArgument(String)
    /// Stored data could not be decoded; the row is left untouched.
    case undecodableRow(table: String, detail: String)
    /// The calling task was cancelled before the transaction committed; nothing was written.
    case cancelled

    public var description: String {
        switch self {
        case .diskFull: return "the disk is full: the reading store cannot write (nothing was stored)"
        case let .cannotOpen(path, reason): return "cannot open the reading store at \(path): \(reason)"
        case let .unsafeFile(path, reason): return "\(path) \(reason)"
        case let .corrupt(reason): return "the reading store is damaged: \(reason)"
        case let .database(code, message): return "SQLite error \(code): \(message)"
        case let .invalidMigration(detail): return "invalid store migration: \(detail)"
        case let .invalidArgument(detail): return "invalid argument: \(detail)"
        case let .undecodableRow(table, detail): return "cannot decode a row of \(table): \(detail)"
        case .cancelled: return "cancelled before the store committed"
        }
    }

    /// Maps anything GRDB or SQLite throws to a `StoreError`. SQLITE_FULL becomes `.diskFull` whatever
    /// statement hit it (insert, update, commit or checkpoint), so callers have one case to alert on.
    public static func from(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if error is CancellationError { return .cancelled }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_FULL:
                return .diskFull
            case .SQLITE_INTERRUPT:
                // GRDB interrupts the statement when the calling task is cancelled; SQLite rolled back.
                return .cancelled
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return .corrupt(reason: error.message ?? "SQLite error \(error.resultCode.rawValue)")
            default:
                // `message` is SQLite's text; statement arguments are never included (GRDB keeps them private).
                return .database(code: error.extendedResultCode.rawValue, message: error.message ?? "unknown")
            }
        }
        return .database(code: -1, message: String(describing: error))
    }
}

/// Runs `body`, converting every thrown error into a `StoreError`.
@inline(__always)
func mapStoreErrors<T>(_ body: () throws -> T) throws(StoreError) -> T {
    do { return try body() } catch { throw StoreError.from(error) }
}

@inline(__always)
func mapStoreErrors<T>(_ body: () async throws -> T) async throws(StoreError) -> T {
    do { return try await body() } catch { throw StoreError.from(error) }
}
