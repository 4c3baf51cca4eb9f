public import GRDB

/// A schema migration contributed by another module (Triage registers its alert and care-plan tables here).
///
/// Migrations run in one `DatabaseMigrator`, after the store's own, in the order given to
/// `ReadingStore.open`. An identifier is recorded forever once applied: never rename or reorder one, add
/// a new migration instead. Prefix identifiers with the module name ("triage.v1") so they cannot collide.
/// A migration changes its own module's tables (through `db`); what it must change in the store's tables it
/// changes through the typed operations of the `StoreUnitOfWork` it is given.
public struct StoreMigration: Sendable {
    public let identifier: String
    public let migrate: @Sendable (StoreUnitOfWork) throws -> Void

    /// A migration of the module's own tables.
    public init(_ identifier: String, migrate: @escaping @Sendable (Database) throws -> Void) {
        self.identifier = identifier
        self.migrate = { unit in try migrate(unit.db) }
    }

    private init(identifier: String, unit migrate: @escaping @Sendable (StoreUnitOfWork) throws -> Void) {
        self.identifier = identifier
        self.migrate = migrate
    }

    /// A migration that also updates the store's tables, through the unit's typed operations.
    public static func usingUnit(
        _ identifier: String, _ migrate: @escaping @Sendable (StoreUnitOfWork) throws -> Void
    ) -> StoreMigration {
        StoreMigration(identifier: identifier, unit: migrate)
    }
}
