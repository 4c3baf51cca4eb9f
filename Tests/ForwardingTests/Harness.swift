import FHIRTestSupport
import Forwarding
import Foundation
import HealthProfiles
import Logging
import ReadingStore

/// Records the delays the forwarder asks for and sleeps a bounded real time, so backoff tests run fast and
/// can check which delay was chosen without asserting on the clock.
final class RecordingSleeper: @unchecked Sendable {
    // @unchecked: `delays` is guarded by `lock`.
    private let lock = NSLock()
    private var recorded: [Duration] = []
    let cap: Duration

    init(cap: Duration = .milliseconds(50)) { self.cap = cap }

    var delays: [Duration] { lock.withLock { recorded } }

    var sleeper: Sleeper {
        Sleeper { [self] duration in
            lock.withLock { recorded.append(duration) }
            try await Task.sleep(for: min(duration, cap))
        }
    }
}

/// A store in a temp directory, a real receiver, and a forwarder with test-sized timeouts and backoff.
struct Harness {
    let directory: TemporaryDirectory
    let store: ReadingStore
    let receiver: ReceiverProcess
    let mapper: FHIRMapper
    let sleeper: RecordingSleeper

    static let patient = "Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.1|01017012345"

    static func mapper() throws -> FHIRMapper {
        FHIRMapper(configuration: FHIRMappingConfiguration(
            gateway: GatewayIdentity(
                identifier: "hub-0042", manufacturer: "DHO", model: "Hub 1", serialNumber: "SN0042",
                softwareVersion: "1.0.0", systemID: "0A1B2C3D4E5F6071"),
            patient: try PatientReference(patient)))
    }

    init(receiverArguments: [String] = [], sleepCap: Duration = .milliseconds(50), strictPHD: Bool = true) async throws {
        directory = TemporaryDirectory()
        store = try ReadingStore.open(StoreConfiguration(path: directory.file("gateway.sqlite")))
        receiver = try await ReceiverProcess(arguments: receiverArguments, strictPHD: strictPHD)
        mapper = try Self.mapper()
        sleeper = RecordingSleeper(cap: sleepCap)
    }

    func endpoint(
        url: String? = nil, tls: TLSOptions = TLSOptions(), token: String? = nil,
        timeout: Duration = .seconds(10)
    ) throws -> EndpointConfiguration {
        try EndpointConfiguration(
            url: url ?? receiver.url, tls: tls, bearerToken: try token.map { try BearerToken($0) },
            connectTimeout: .seconds(2), requestTimeout: timeout)
    }

    func forwarder(_ endpoint: EndpointConfiguration? = nil, batchSize: Int = 10) throws -> Forwarder {
        Forwarder(
            store: store, transport: try CurlTransport(endpoint: endpoint ?? self.endpoint()), mapper: mapper,
            configuration: ForwarderConfiguration(
                batchSize: batchSize,
                retry: DeliveryBackoff(baseDelay: .milliseconds(10), maximumDelay: .milliseconds(40))),
            logger: Logger(label: "test.forwarding"), sleeper: sleeper.sleeper)
    }

    /// Ingests `count` blood-pressure readings with distinct values; returns their identifiers.
    @discardableResult
    func ingestReadings(_ count: Int, sensor: SensorKey = Samples.cuff) async throws -> [ReadingID] {
        var ids: [ReadingID] = []
        for index in 0..<count {
            let reading = Samples.bloodPressure(systolic: String(100 + index % 80), minute: index % 60,
                                                day: 1 + index / 60 % 28)
            ids.append(try await store.ingest(
                reading, rawFrame: Samples.frame, sensor: sensor, receivedAt: Samples.t0, measuredAt: Samples.t0
            ).readingID)
        }
        return ids
    }

    /// The Observation identifier values the receiver created, with how many times each was created.
    func createdObservations() async throws -> [String: Int] {
        let system = mapper.configuration.observationIdentifierSystem + "|"
        var result: [String: Int] = [:]
        for (key, count) in try await receiver.identifiers("Observation") where key.hasPrefix(system) {
            result[String(key.dropFirst(system.count))] = count
        }
        return result
    }
}

/// A fresh directory per test, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("dho-forwarding-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

enum Samples {
    static let cuff = SensorKey(rawValue: "bt:00:1C:05:FF:E8:74")!
    static let oximeter = SensorKey(rawValue: "bt:00:1C:05:AA:BB:CC")!
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)
    static let frame: [UInt8] = [0x1E, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00]

    static func time(day: Int = 17, _ minute: Int, second: Int = 0) -> DeviceDateTime? {
        try? DeviceDateTime(year: 2025, month: 4, day: day, hours: 20, minutes: minute, seconds: second)
    }

    static func value(_ text: String) -> MeasuredValue { .number(DecimalNumber(text) ?? DecimalNumber(0)) }

    static func bloodPressure(
        systolic: String = "138", diastolic: String = "88", pulse: String = "60", minute: Int = 41, day: Int = 17,
        flags: [ReadingFlag] = []
    ) -> Reading {
        Reading(
            kind: .bloodPressure, characteristic: 0x2A35, deviceTime: time(day: day, minute, second: 59),
            components: [
                ReadingComponent(.systolicPressure, value(systolic), .millimetreOfMercury),
                ReadingComponent(.diastolicPressure, value(diastolic), .millimetreOfMercury),
                ReadingComponent(.meanArterialPressure, value("120"), .millimetreOfMercury),
                ReadingComponent(.pulseRate, value(pulse), .perMinute),
            ],
            flags: flags, userID: 1)
    }

    static func stored(_ reading: Reading, sensor: SensorKey = cuff, measuredAt: Date = t0) -> StoredReading {
        StoredReading(
            rowID: 1, id: ReadingIdentity.identifier(for: reading, sensor: sensor, receivedAt: measuredAt),
            sensor: sensor, reading: reading, measuredAt: measuredAt, receivedAt: measuredAt, rawFrame: frame)
    }
}
