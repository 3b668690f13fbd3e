import ExplicableCore
import Foundation
import Testing
import WordNet

func fixture(_ name: String) -> URL {
    Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The shared data folder of the tests: `$EXPLICABLE_DATA`, else `../shared/data` beside the checkout.
let sharedData: URL = {
    if let path = ProcessInfo.processInfo.environment["EXPLICABLE_DATA"], !path.isEmpty {
        return URL(fileURLWithPath: path)
    }
    return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
}()

/// The real Open English WordNet 2025, read once per test process. Tests that need it fail
/// (never skip) when it is missing.
enum RealWordNet {
    static let url = sharedData.appendingPathComponent("wordnet/english-wordnet-2025.xml.gz")
    static let loaded: Result<Taxonomy, ExplicableError> = {
        do throws(ExplicableError) {
            return .success(Taxonomy(try LMFReader.read(url)))
        } catch {
            return .failure(error)
        }
    }()

    static func taxonomy() throws -> Taxonomy {
        try #require(FileManager.default.fileExists(atPath: url.path),
            "the real OEWN 2025 release is missing: expected \(url.path) (set EXPLICABLE_DATA)")
        return try loaded.get()
    }
}

func builtInClassSet(_ name: String) throws -> ClassSet {
    try ClassSet.readTSV(repositoryRoot.appendingPathComponent("wordnet/\(name).tsv"))
}

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("explicable-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `xml` to a temporary file and returns its URL.
func writeXML(_ xml: String, name: String = "test.xml") throws -> URL {
    let url = try temporaryFolder().appendingPathComponent(name)
    try Data(xml.utf8).write(to: url)
    return url
}

/// A minimal LMF document around `body` (placed inside the Lexicon).
func lmf(_ body: String) -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <LexicalResource xmlns:dc="https://globalwordnet.github.io/schemas/dc/">
    <Lexicon id="t" label="T" language="en" email="a@b.c" license="x" version="1">
    \(body)
    </Lexicon>
    </LexicalResource>
    """
}

func isClose(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool {
    if a.isInfinite || b.isInfinite { return a == b }
    return abs(a - b) <= tolerance * max(1, abs(b))
}
