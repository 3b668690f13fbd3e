import Audit
import ExplicableCore
import Foundation
import Semantics
import TestSupport
import Testing
import Training

/// The HTML report against golden files: the hand-made report of ``ReportTests`` and one that
/// ``ReportBuilder`` assembles from two small runs. `generated` is fixed, the bootstrap seeded.
/// Re-record with `RECORD_SNAPSHOTS=1 swift test --filter ReportSnapshotTests`.
struct ReportSnapshotTests {
    @Test func handMadeReport() throws {
        let tests = ReportTests()
        assertGolden(try tests.sample().html(templates: tests.templates), as: "html")
    }

    @Test func builtReport() throws {
        let comparison = ModelComparisonTests()
        let m = try comparison.matrix()
        let classes = ModelComparisonTests.classes
        var builder = ReportBuilder(title: "Two runs <a & b>")
        builder.matrices = [
            (
                "CHL",
                ClassMatrix(
                    classes: classes, kind: .similarity, values: [4, 3, 0.5, 2.5, 4, 1, 0, 1, 4],
                    provenance: .init(source: "hand-made CHL"))
            ),
            (
                "WordNet",
                ClassMatrix(
                    classes: classes, kind: .similarity,
                    values: [1, 0.5, 0.2, 0.5, 1, 0.25, 0.2, 0.25, 1],
                    provenance: .init(source: "wordnet", parameters: ["measure": "path"]))
            ),
        ]
        builder.runs = [
            (
                comparison.a,
                [
                    HistoryPoint(epoch: 1, trainLoss: 2.1, testTop1: 0.25),
                    HistoryPoint(epoch: 2, trainLoss: 1.4, testTop1: 0.375),
                ]
            ),
            (
                comparison.b,
                [
                    HistoryPoint(epoch: 1, trainLoss: 2.3, testTop1: 0.125),
                    HistoryPoint(epoch: 2, trainLoss: 1.9, testTop1: 0.375),
                ]
            ),
        ]
        builder.comparisons = [
            try ModelComparison.compare(runs: [comparison.a, comparison.b], matrix: m, bootstrap: 50, seed: 1)
        ]
        var report = try builder.build()
        report.generated = Date(timeIntervalSince1970: 1_780_000_000)
        assertGolden(try report.html(templates: repositoryRoot.appendingPathComponent("templates")), as: "html")
    }
}
