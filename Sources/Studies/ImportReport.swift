import Foundation

/// What an import did.
public struct ImportReport: Sendable, Equatable {
    public var file: String
    public var format: ImportFormat
    /// Nothing was added and the same file (by SHA-256) was imported before.
    public var alreadyImported = false
    /// Records read: CSV rows, JSON trials, payload objects (a Prolific export counts its rows).
    public var rowsRead = 0
    public var rowsAccepted = 0
    /// Records written to the rejects file (``ImportOptions/rejectsFile``).
    public var rowsRejected = 0
    public var submissionsAdded = 0
    /// Submissions stored by an earlier import that this one gave new answers.
    public var submissionsExtended = 0
    /// Submissions every answer of which was already stored: nothing added.
    public var submissionsAlreadyPresent = 0
    public var responsesAdded = 0
    /// Answers the store already held, the same (assignment, item, value).
    public var answersAlreadyStored = 0
    public var countsAdded = 0
    /// Submissions with no answer at all (a payload with no responses, a jsPsych run that timed
    /// out on every trial): not stored.
    public var emptySubmissions = 0
    /// Cells left empty in a one-column-per-item file (an item the worker was not shown).
    public var emptyCellsSkipped = 0
    /// Where the first ``emptyCellsListed`` of them were: `line N: COLUMN` (or the `taskAnswers` key).
    public var emptyCellsSkippedAt: [String] = []
    /// Export rows without a payload, imported nothing (only with ``ImportOptions/allowMissingPayloads``):
    /// `line N (submission id)`.
    public var rowsWithoutPayload: [String] = []

    /// How many skipped empty cells a report lists by place.
    public static let emptyCellsListed = 5
}
