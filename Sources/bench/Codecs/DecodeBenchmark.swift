import ArgumentParser
import Foundation
import GatewayTestSupport
#if canImport(Glibc)
import Glibc
#endif
import HealthProfiles

/// Decode rate per measurement characteristic, over the seed corpus of the fuzzer (Tests/Fuzz/corpus/codecs: the
/// frames of the codec tests, real devices' error frames included) plus a truncated frame that must fail.
/// Each frame is decoded as the gateway does it — `CharacteristicDecoder.decode` from another module, then
/// normalised to `Reading`s — and also decoded alone.
struct DecodeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Decode rate per measurement characteristic (build with -c release).")

    @Option(help: "Decodes per round and frame.")
    var iterations = 100_000

    @Option(help: "Rounds per frame; the fastest round is reported.")
    var rounds = 5

    func run() async throws {
        ResultTable.print(try Self.measure(iterations: iterations, rounds: rounds))
    }

    /// The characteristics that carry measurements (features, control points and strings are read once).
    static let measurementCharacteristics: [GATTCharacteristic] = [
        .bloodPressureMeasurement, .intermediateCuffPressure, .enhancedBloodPressureMeasurement,
        .plxSpotCheckMeasurement, .plxContinuousMeasurement, .glucoseMeasurement, .glucoseMeasurementContext,
        .weightMeasurement, .bodyCompositionMeasurement, .temperatureMeasurement, .intermediateTemperature,
    ]

    struct Frame {
        let name: String
        let characteristic: GATTCharacteristic
        let bytes: [UInt8]
        let mustFail: Bool
    }

    /// Corpus files are a little-endian uint16 selector (the characteristic's assigned number) and the frame.
    static func frames() throws -> [Frame] {
        let corpus = GatewayHarness.repository.appendingPathComponent("Tests/Fuzz/corpus/codecs")
        var frames: [Frame] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted() {
            guard let data = FileManager.default.contents(atPath: corpus.appendingPathComponent(name).path), data.count > 2,
                  let characteristic = GATTCharacteristic(rawValue: UInt16(data[0]) | UInt16(data[1]) << 8),
                  measurementCharacteristics.contains(characteristic)
            else { continue }
            frames.append(Frame(name: name, characteristic: characteristic, bytes: [UInt8](data.dropFirst(2)), mustFail: false))
        }
        let missing = Set(measurementCharacteristics).subtracting(frames.map(\.characteristic))
        guard missing.isEmpty else {
            throw ValidationError("the corpus has no frame of \(missing.map(\.displayName).sorted().joined(separator: ", "))")
        }
        if let full = frames.first(where: { $0.name == "2a35-bp-full" }) {
            frames.append(Frame(name: "2a35-bp-full, last byte cut (DecodeError)", characteristic: full.characteristic,
                                bytes: Array(full.bytes.dropLast()), mustFail: true))
        }
        return frames
    }

    static func measure(iterations: Int, rounds: Int) throws -> [BenchRow] {
        let frames = try frames()
        for frame in frames {
            let failed: Bool
            do { _ = try CharacteristicDecoder.decode(frame.characteristic, frame.bytes); failed = false } catch { failed = true }
            guard failed == frame.mustFail else {
                throw ValidationError("\(frame.name) \(failed ? "does not decode" : "decodes although it must not")")
            }
        }
        print("decode, \(iterations) × \(rounds) rounds per frame, fastest round, thread CPU time")
        var results: [(frame: Frame, decode: Double, normalise: Double)] = []
        var sink = 0
        for frame in frames {
            let decode = time(iterations: iterations, rounds: rounds) {
                do { sink &+= try CharacteristicDecoder.decode(frame.characteristic, frame.bytes).characteristic.hashValue & 1 }
                catch { sink &+= 1 }
            }
            let normalise = time(iterations: iterations, rounds: rounds) {
                do { sink &+= try CharacteristicDecoder.decode(frame.characteristic, frame.bytes).readings.count } catch { sink &+= 1 }
            }
            results.append((frame, decode, normalise))
            print("  \(frame.name): \(Fmt.fixed(decode * 1e9, 0)) ns decode, \(Fmt.fixed(normalise * 1e9, 0)) ns with readings")
        }
        if sink == Int.min { print(sink) }  // keeps the work observable
        let fastest = results.map(\.normalise).min() ?? 1
        return results.map { result in
            let name = result.frame.characteristic.displayName.replacingOccurrences(of: " (0x", with: " (")
            return BenchRow(
                "Decode", "\(name): \(result.frame.name)",
                "\(Fmt.si(1 / result.normalise)) frames/s, \(Fmt.fixed(result.normalise * 1e9, 0)) ns/frame "
                    + "(decode alone \(Fmt.fixed(result.decode * 1e9, 0)) ns)",
                "rate/fastest \(Fmt.ratio(fastest / result.normalise))")
        }
    }

    /// Seconds per call of `body`: the fastest of `rounds` rounds after a warm-up round, in CPU time of this
    /// thread, so that other processes taking the (two) cores meanwhile do not count.
    static func time(iterations: Int, rounds: Int, _ body: () -> Void) -> Double {
        for _ in 0..<max(1, iterations / 10) { body() }
        var perCall: [Double] = []
        for _ in 0..<max(1, rounds) {
            let started = threadCPUSeconds()
            for _ in 0..<iterations { body() }
            perCall.append((threadCPUSeconds() - started) / Double(iterations))
        }
        return perCall.min() ?? .nan
    }

    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
