import Foundation
import Studies
import TestSupport
import Testing

/// The MTurk approve/reject file `study qc --mturk-decisions` writes, against a golden file.
struct QualityControlSnapshotTests {
    @Test func mturkDecisionsCSV() throws {
        let (store, study) = try QualityControlTests().studyWithAnswers()
        let rows = try QualityControl(study: study, store: store).run()
        assertGolden(QualityControl.mturkDecisions(rows), as: "csv")
    }
}
