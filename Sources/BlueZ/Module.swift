// Module BlueZ: see Package.swift for its job. Filled in by its own issue.
