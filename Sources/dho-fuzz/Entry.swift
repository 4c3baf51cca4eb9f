import Foundation

#if FUZZING
import CLibFuzzer
#endif

/// The fuzzer's entry point: `dho-fuzz TARGET [libFuzzer options] [corpus directories]`.
///
/// Built by scripts/fuzz with `-sanitize=fuzzer,address -DFUZZING`, `main` hands over to libFuzzer's driver for
/// the chosen target. In a normal build the same executable replays files or directories of inputs through the
/// target (`dho-fuzz TARGET FILE-OR-DIRECTORY...`), so the targets always compile with the rest of the package
/// and a crash file can be re-run under a debugger; `dho-fuzz write-seeds DIRECTORY` writes the seeds that
/// need code to produce (marshalled D-Bus messages).
@main
struct FuzzEntry {
    /// The target of this process. libFuzzer's callback is a C function pointer and cannot capture it; it is
    /// set once, before the driver starts, and only read afterwards.
    nonisolated(unsafe) static var target = FuzzTarget.codecs

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "write-seeds", arguments.count == 2 {
            DBusMessageTarget.writeSeeds(to: arguments[1])
            return
        }
        // The target comes first; DHO_FUZZ_TARGET covers processes libFuzzer re-executes itself as (-fork, -jobs).
        let named = arguments.first.flatMap(FuzzTarget.init(rawValue:))
        guard let target = named ?? ProcessInfo.processInfo.environment["DHO_FUZZ_TARGET"].flatMap(FuzzTarget.init(rawValue:))
        else { usage() }
        Self.target = target
        setenv("DHO_FUZZ_TARGET", target.rawValue, 1)
        #if FUZZING
        // libFuzzer must not see the target name (it would take it for a corpus directory).
        var argc = CommandLine.argc - (named == nil ? 0 : 1)
        let stripped = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: Int(argc) + 1)
        stripped[0] = CommandLine.unsafeArgv[0]
        for index in 1..<Int(argc) { stripped[index] = CommandLine.unsafeArgv[index + (named == nil ? 0 : 1)] }
        stripped[Int(argc)] = nil
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = stripped
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzEntry.target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
        #else
        replay(Array(arguments.dropFirst(named == nil ? 0 : 1)), through: target)
        #endif
    }

    static func usage() -> Never {
        FileHandle.standardError.write(Data("""
            usage: dho-fuzz TARGET FILE-OR-DIRECTORY...   (replays inputs through the target)
                   dho-fuzz write-seeds DIRECTORY         (writes the generated D-Bus seeds)
            targets: \(FuzzTarget.names)

            """.utf8))
        exit(64)
    }

    static func replay(_ paths: [String], through target: FuzzTarget) {
        guard !paths.isEmpty else { usage() }
        var count = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("dho-fuzz: no such file: \(path)\n".utf8))
                exit(66)
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run(Array(data))
                count += 1
            }
        }
        print("replayed \(count) input(s) through \(target.rawValue) without a failure")
    }
}

#if FUZZING
/// libFuzzer's own objects refer to this symbol even though `main` drives it through `LLVMFuzzerRunDriver`: a
/// release link drops those references, a debug link (scripts/fuzz builds debug, which compiles in a third of
/// the time) does not. It runs the same target as the driver's callback.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzEntry.target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
#endif
