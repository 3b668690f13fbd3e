import ExplicableCore
import Foundation

/// libFuzzer entry points. One executable holds every target; `EXPLICABLE_FUZZ_TARGET` picks one
/// (see ``FuzzTarget``), so the package links once. Built by `Fuzz/run.sh` with
/// `-sanitize=fuzzer,address -parse-as-library`: libFuzzer supplies `main`.
///
/// A target may throw anything: a thrown error is the reader refusing bad input, which is fine.
/// A crash (trap, precondition, sanitizer report), a hang (`-timeout`) or running out of memory
/// (`-rss_limit_mb`, `-malloc_limit_mb`) is a finding.

nonisolated(unsafe) private var target: FuzzTarget!

/// Called once by libFuzzer before any input.
///
/// `EXPLICABLE_FUZZ_WRITE_SEEDS=DIR` writes the target's generated seeds (made with the library's
/// own encoders, so they follow format changes) into `DIR` and exits, instead of fuzzing.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    let environment = ProcessInfo.processInfo.environment
    guard let name = environment["EXPLICABLE_FUZZ_TARGET"], let chosen = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")
        FileHandle.standardError.write(Data("set EXPLICABLE_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    if let folder = environment["EXPLICABLE_FUZZ_WRITE_SEEDS"] {
        let url = URL(fileURLWithPath: folder, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            for (name, data) in try Seeds.generated(for: chosen) {
                try data.write(to: url.appendingPathComponent(name))
            }
        } catch {
            FileHandle.standardError.write(Data("cannot write seeds: \(error)\n".utf8))
            exit(1)
        }
        exit(0)
    }
    target = chosen
    return 0
}

/// libFuzzer's driver, in `libclang_rt.fuzzer` since LLVM 11.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ body: @convention(c) (UnsafeRawPointer, Int) -> CInt
) -> CInt

/// The executable's entry point. SwiftPM links executables with `main` defined as `MODULE_main`
/// (so tests can import them), which keeps libFuzzer's own `main` out: this one starts its driver.
@_cdecl("ExplicableFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzz)
}

/// Called by libFuzzer for every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    target.run(data)
    return 0
}
