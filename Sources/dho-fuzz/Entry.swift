import Foundation

#if FUZZING
import CLibFuzzer
#endif

/// The fuzzer's entry point.
///
/// Built by scripts/fuzz with `-sanitize=fuzzer,address -DFUZZING`, `main` hands over to libFuzzer's driver.
/// In a normal build the same executable replays files or directories of inputs through the harness (so the
/// target always compiles with the rest of the package, and a crash file can be re-run under a debugger).
@main
struct FuzzEntry {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzHarness.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
        #else
        replay(Array(CommandLine.arguments.dropFirst()))
        #endif
    }

    static func replay(_ paths: [String]) {
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: dho-fuzz FILE-OR-DIRECTORY...   (replays inputs through the harness)\n".utf8))
            exit(64)
        }
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
                FuzzHarness.run(Array(data))
                count += 1
            }
        }
        print("replayed \(count) input(s) without a failure")
    }
}
