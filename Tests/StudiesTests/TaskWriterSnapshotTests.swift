import ExplicableCore
import Foundation
import Studies
import TestSupport
import Testing

/// What `study tasks` writes for a small Likert study (two assignments of 45 pairs and two
/// attention checks), against golden files. The plan is seeded, so the output is deterministic.
/// Re-record with `RECORD_SNAPSHOTS=1 swift test --filter TaskWriterSnapshotTests`.
struct TaskWriterSnapshotTests {
    func written() throws -> URL {
        let (_, study) = try likertStudy(
            k: 1, perAssignment: 45, changes: ["title": "Mistakes <&> \"quoted\"", "platform": "mturk"])
        let folder = try temporaryFolder()
        let templates = repositoryRoot.appendingPathComponent("templates")
        try TaskWriter(study: study, plan: try TaskPlan(study: study), templates: templates).write(to: folder)
        return folder
    }

    func text(_ folder: URL, _ path: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func mturkHITPage() throws {
        assertGolden(try text(try written(), "mturk-hit.html"), as: "html")
    }

    /// The self-hosted page of one assignment, and the index that forwards to it.
    @Test func selfHostedPages() throws {
        let folder = try written()
        assertGolden(try text(folder, "pages/assignment-0000.html"), as: "html", named: "assignment-0000")
        assertGolden(try text(folder, "study.html"), as: "html", named: "study-index")
    }

    @Test func mturkBatchCSV() throws {
        assertGolden(try text(try written(), "mturk-batch.csv"), as: "csv")
    }
}
