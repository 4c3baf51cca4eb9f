public import GRDB

/// A schema migration contributed by another module (Triage registers its alert and care-plan tables here).
///
/// Migrations run in one `DatabaseMigrator`, after the store's own, in the order given to
/// `ReadingStore.open`. An identifier is recorded forever once applied: never rename or reorder one, add
/// a new migration instead. Prefix identifiers with the module name ("triage.v1") so they cannot collide.
/// A table that references `readings(rowid)` must say `ON DELETE CASCADE` or `ON DELETE SET NULL`,
/// because retention deletes old delivered readings.
public struct StoreMigration: Sendable {
    public let identifier: String
    public let migrate: @Sendable (Database) throws -> Void

    public init(_ identifier: String, migrate: @escaping @Sendable (Database) throws -> Void) {
        self.identifier = identifier
        self.migrate = migrate
    }
}
