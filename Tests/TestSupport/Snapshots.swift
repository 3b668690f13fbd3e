import Foundation
public import SnapshotTesting

/// Whether golden files are re-recorded: `RECORD_SNAPSHOTS=1 swift test` (STYLE.md §5). Otherwise
/// a missing or different golden file fails the test; nothing is recorded behind your back.
public let isRecordingSnapshots = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"

/// Compares `text` with its golden file, `__Snapshots__/<test file>/<test>[.<name>].<pathExtension>`
/// beside the calling test file, line by line (the failure shows a diff).
///
/// - Parameters:
///   - pathExtension: the golden file's extension (`html`, `csv`), so it opens as what it is.
///   - name: tells several golden files of one test apart.
public func assertGolden(
    _ text: String, as pathExtension: String, named name: String? = nil, fileID: StaticString = #fileID,
    file: StaticString = #filePath, testName: String = #function, line: UInt = #line, column: UInt = #column
) {
    var strategy = Snapshotting<String, String>.lines
    strategy.pathExtension = pathExtension
    assertSnapshot(
        of: text, as: strategy, named: name, record: isRecordingSnapshots ? .all : .never, fileID: fileID, file: file,
        testName: testName, line: line, column: column)
}
