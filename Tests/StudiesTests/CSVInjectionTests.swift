import ExplicableCore
import Foundation
import LabelStore
@testable import Studies
import Testing

/// The CSV files meant for spreadsheets (the MTurk approve/reject upload) carry no live formula.
struct CSVInjectionTests {
    @Test func mturkDecisionsNeutraliseFormulas() {
        func row(_ id: String, _ status: SubmissionRecord.QCStatus, _ reason: String?) -> QualityControl.Row {
            QualityControl.Row(
                assignmentID: id, annotator: "0123abcd", answers: 3, failedChecks: 0, secondsPerItem: nil,
                sameAnswerShare: nil, agreement: nil, status: status, reason: reason, isOverridden: false)
        }
        let csv = QualityControl.mturkDecisions([
            row("=HYPERLINK(\"http://evil\",\"x\")", .accepted, nil),
            row("A2", .rejected, "@SUM(1+1)"),
            row("-2", .rejected, "-2+3"),
        ])
        #expect(
            csv == "AssignmentId,Approve,Reject\n\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",x,\n"
                + "A2,,'@SUM(1+1)\n-2,,'-2+3\n")
    }
}
