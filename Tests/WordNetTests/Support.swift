import ExplicableCore
import Foundation
import Testing
import TestSupport
import WordNet

/// A fixture of this target, else one shared through TestSupport (`mini.xml`, `mini.xml.gz`, `mini-classes.tsv`).
func fixture(_ name: String) -> URL { fixtureFile(name, in: .module) }

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
        try #require(
            FileManager.default.fileExists(atPath: url.path),
            "the real OEWN 2025 release is missing: expected \(url.path) (set EXPLICABLE_DATA)")
        return try loaded.get()
    }
}

func builtInClassSet(_ name: String) throws -> ClassSet {
    try ClassSet.readTSV(builtInClassSetURL(name))
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
