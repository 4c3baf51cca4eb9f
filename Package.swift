// swift-tools-version:6.2
import PackageDescription

/// scripts/fuzz builds with DHO_FUZZ_BUILD=1 (in its own scratch path): then this package's own targets get
/// libFuzzer's coverage and AddressSanitizer, and dependencies (GRDB, Yams, ...) are compiled plainly.
/// Instrumenting them too (with -Xswiftc/-Xcc, which reach every target) cost about a fifth more CPU in the fuzz
/// build, while the fuzz targets are this package's parsers and decoders; plain code still runs under ASan's allocator.
let fuzzBuild = Context.environment["DHO_FUZZ_BUILD"] == "1"
let fuzzInstrumentation: [SwiftSetting] = fuzzBuild ? [.unsafeFlags(["-sanitize=fuzzer,address"]), .define("FUZZING")] : []

/// Every target is compiled in the Swift 6 language mode with strict concurrency;
/// warnings are treated as errors so that "no warnings" is enforced by every build, not by review.
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
] + fuzzInstrumentation

/// lld, because gold fails on the sanitizer link.
let fuzzLinking: [LinkerSetting] = fuzzBuild ? [.unsafeFlags(["-sanitize=fuzzer,address", "-Xclang-linker", "-fuse-ld=lld"])] : []

let package = Package(
    name: "DHOGateway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dho-gatewayd", targets: ["dho-gatewayd"]),
        .executable(name: "dhoctl", targets: ["dhoctl"]),
        .executable(name: "bluez-sim", targets: ["bluez-sim"]),
        .executable(name: "bench", targets: ["bench"]),
        .library(name: "HealthProfiles", targets: ["HealthProfiles"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // 6.2.x only: ConfigYAML/YAMLAnchors imports Yams' CYaml module, which is not a promised API.
        .package(url: "https://github.com/jpsim/Yams", .upToNextMinor(from: "6.2.2")),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Pure Bluetooth SIG health-profile codecs and the normalised reading model. No I/O.
        .target(name: "HealthProfiles", swiftSettings: strict),
        // YAML configuration trees that remember file and line, for precise validation errors.
        .target(
            name: "ConfigYAML",
            dependencies: ["HealthProfiles", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        // Declarative per-profile device descriptions (profiles/devices/*.yaml), loaded and validated.
        .target(
            name: "DeviceProfiles",
            dependencies: ["HealthProfiles", "ConfigYAML", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),

        // libdbus-1 bindings and a Swift-concurrency D-Bus connection.
        .systemLibrary(name: "CDBus", pkgConfig: "dbus-1", providers: [.apt(["libdbus-1-dev"])]),
        .target(
            name: "DBus",
            dependencies: ["CDBus", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // org.bluez client: object-manager mirror, adapter, device, GATT, agent.
        .target(
            name: "BlueZ",
            dependencies: ["DBus", "HealthProfiles", "CancellableTimers", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // A scripted BlueZ look-alike that owns org.bluez on a private bus.
        .target(
            name: "BlueZSimulator",
            dependencies: [
                "DBus", "BlueZ", "HealthProfiles", "ConfigYAML",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // SHA-256 and the hub's signing keys from the system's OpenSSL (libcrypto), which libcurl loads anyway:
        // see SystemCrypto/SHA256.swift for why not swift-crypto.
        .target(name: "CLibCrypto", linkerSettings: [.linkedLibrary("crypto")]),
        .target(name: "SystemCrypto", dependencies: ["CLibCrypto"], swiftSettings: strict),

        // Durable SQLite reading store and delivery outbox.
        .target(
            name: "ReadingStore",
            dependencies: [
                "HealthProfiles",
                "SystemCrypto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The FHIR values both the forwarder and triage build (JSON with exact decimals, Coding, Bundle entries,
        // the project's canonical URLs): pure, no I/O.
        .target(name: "FHIRModel", dependencies: ["HealthProfiles"], swiftSettings: strict),
        // libcurl, with a thin C shim because curl_easy_setopt is variadic.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // FHIR R4 (PHD IG) mapping, HTTP transport, the centre's authentication (private_key_jwt, DPoP) and the
        // retrying forwarder.
        .target(
            name: "Forwarding",
            dependencies: [
                "HealthProfiles", "CancellableTimers", "FHIRModel", "ReadingStore", "CCurl", "SystemCrypto",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Care plans, traffic-light zones, baselines and local alerts; its own tables in the reading store's file
        // (through the store's unit of work), alert Flags and Observation interpretations as FHIR model values.
        .target(
            name: "Triage",
            dependencies: [
                "HealthProfiles", "CancellableTimers", "ConfigYAML", "ReadingStore", "FHIRModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Linux facilities Glibc does not expose to Swift (peer credentials of the control socket, thread names).
        .target(name: "CSystemShims"),
        // The daemon's malloc arena limit, set by a constructor before main (only dho-gatewayd links it).
        .target(name: "CDaemonMemory"),
        // Swift concurrency's global executor on one thread of ours (the runtime's hook in C, the thread in Swift).
        .target(name: "CGlobalExecutorHook"),
        .target(name: "OneJobThread", dependencies: ["CGlobalExecutorHook", "CSystemShims", "CancellableTimers"], swiftSettings: strict),
        // Replayable randomness for tests, with no dependency: the pure codec tests use it without D-Bus.
        .target(name: "SeededRandom", swiftSettings: strict),
        // Sleeps whose timers go away when cancelled (a cancelled Task.sleep still wakes the process later).
        .target(name: "CancellableTimers", swiftSettings: strict),
        // The adapter as the kernel sees it (HCI ioctls through libbluetooth, rfkill), for dhoctl doctor/status.
        .systemLibrary(name: "CBluetoothHCI", pkgConfig: "bluez", providers: [.apt(["libbluetooth-dev"])]),
        .target(name: "AdapterDiagnostics", dependencies: ["CBluetoothHCI"], swiftSettings: strict),
        // Wiring: device sessions, configuration, control interface, service lifecycle.
        .target(
            name: "Gateway",
            dependencies: [
                "HealthProfiles", "CancellableTimers", "DeviceProfiles", "ConfigYAML", "DBus", "BlueZ", "ReadingStore", "Forwarding", "Triage", "SystemCrypto",
                "CSystemShims", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),

        .executableTarget(
            name: "dho-gatewayd",
            dependencies: [
                "Gateway", "CDaemonMemory", "OneJobThread",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "dhoctl",
            dependencies: [
                "Gateway", "HealthProfiles", "DeviceProfiles", "Triage", "AdapterDiagnostics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // The whole gateway (bus, simulator, receiver, daemon, dhoctl) for end-to-end tests and benchmarks.
        .target(
            name: "GatewayTestSupport",
            dependencies: ["TestSupport", "FHIRTestSupport", "BlueZ", "BlueZSimulator", "DBus"],
            swiftSettings: strict),
        // Private dbus-daemon, simulator launcher and waiting helpers for tests of this and later modules.
        .target(
            name: "TestSupport",
            dependencies: ["DBus", "BlueZ", "BlueZSimulator", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),

        .executableTarget(
            name: "bluez-sim",
            dependencies: ["BlueZSimulator", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        // Benchmarks, run by hand or by scripts/bench; the daemon benchmarks drive the real daemon through
        // GatewayTestSupport's harness.
        .executableTarget(
            name: "bench",
            dependencies: [
                "HealthProfiles", "ReadingStore", "Forwarding", "BlueZ", "BlueZSimulator", "DBus", "GatewayTestSupport",
                "FHIRTestSupport", "Triage", "FHIRModel", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // libFuzzer targets (scripts/fuzz): every decoder, both assemblers, the profile, configuration, care-plan
        // and scenario parsers, the control protocol, the FHIR JSON parser and D-Bus message reading. A normal
        // build makes it a corpus replayer; CLibFuzzer only declares libFuzzer's driver for the fuzz build.
        .target(name: "CLibFuzzer"),
        .executableTarget(
            name: "dho-fuzz",
            dependencies: [
                "HealthProfiles", "DeviceProfiles", "ConfigYAML", "Triage", "Gateway", "BlueZSimulator", "Forwarding",
                "DBus", "BlueZ", "CLibFuzzer",
            ],
            swiftSettings: strict,
            linkerSettings: fuzzLinking),
        // Opens a reading store and forwards its outbox until it is empty (crash tests, manual backlog flush).
        .executableTarget(
            name: "outbox-drain",
            dependencies: [
                "ReadingStore", "Forwarding", "Triage", "Gateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // The reference FHIR receiver (Tests/peers/fhir_receiver.py) as a subprocess, shared by test targets.
        .target(name: "FHIRTestSupport", swiftSettings: strict),

        .testTarget(name: "CancellableTimersTests", dependencies: ["CancellableTimers", "OneJobThread"], swiftSettings: strict),
        .testTarget(name: "OneJobThreadTests", dependencies: ["OneJobThread", "CancellableTimers"], swiftSettings: strict),
        .testTarget(name: "HealthProfilesTests", dependencies: ["HealthProfiles", "SeededRandom"], swiftSettings: strict),
        .testTarget(
            name: "ReadingStoreTests",
            dependencies: ["ReadingStore", "HealthProfiles", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "ForwardingTests",
            dependencies: [
                "SeededRandom",
                "Forwarding", "ReadingStore", "HealthProfiles", "FHIRTestSupport", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "DeviceProfilesTests", dependencies: ["DeviceProfiles"], swiftSettings: strict),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "ConfigYAML", "HealthProfiles", "ReadingStore", "DeviceProfiles", "BlueZ", "TestSupport",
                "GatewayTestSupport", "dho-gatewayd", "dhoctl", "bluez-sim", "dho-fuzz", "AdapterDiagnostics",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Faults against the real daemon: kill -9, receiver and Bluetooth outages, disk full, broken
        // configuration, clock jumps (README "Reliability").
        .testTarget(
            name: "ReliabilityTests",
            dependencies: [
                "SeededRandom",
                "Gateway", "ReadingStore", "Forwarding", "Triage", "HealthProfiles", "BlueZ", "BlueZSimulator",
                "TestSupport", "GatewayTestSupport", "FHIRTestSupport", "dho-gatewayd", "dhoctl", "bluez-sim",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "TriageTests",
            dependencies: [
                "Triage", "HealthProfiles", "ReadingStore", "Forwarding", "FHIRTestSupport", "Gateway",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Runs the built bench briefly: its real paths and self-checks, no timing.
        .testTarget(
            name: "benchTests",
            dependencies: ["bench", "dho-gatewayd", "dhoctl", "bluez-sim", "GatewayTestSupport", "TestSupport"],
            swiftSettings: strict),
        // Runs the built dhoctl binary (the dependency makes sure it is built first).
        .testTarget(name: "dhoctlTests", dependencies: ["dhoctl"], swiftSettings: strict),
        .testTarget(name: "DBusTests", dependencies: ["DBus", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "BlueZTests",
            dependencies: ["BlueZ", "BlueZSimulator", "TestSupport", "HealthProfiles"],
            swiftSettings: strict),
        .testTarget(
            name: "BlueZSimulatorTests",
            dependencies: ["BlueZSimulator", "TestSupport", "bluez-sim"],
            swiftSettings: strict),
    ]
)
