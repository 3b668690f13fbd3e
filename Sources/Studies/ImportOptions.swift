public import Foundation

/// Options of an import.
public struct ImportOptions: Sendable {
    public var format: ImportFormat
    /// Import the good submissions and write the records of rejected ones here, with their reason;
    /// without it any bad record refuses the whole file.
    public var rejectsFile: URL?
    /// Store platform ids as given (personal data!), besides their salted hash.
    public var keepRawIDs: Bool
    /// The payloads a Prolific export is joined with.
    public var payloads: URL?
    /// Import a Prolific export whose completed rows have no payload, listing them, instead of refusing it.
    public var allowMissingPayloads = false
    /// jsPsych/JATOS: the trial field naming the participant (required when several candidates differ).
    public var participantField: String?
    /// jsPsych/JATOS: the trial field holding the item's key (default `item`).
    public var itemField: String?
    /// jsPsych/JATOS: the trial field holding the answer (default `response`).
    public var valueField: String?
    /// How a file from someone else's template maps to answers (`--mapping FILE`): `mturk`, `jspsych`, `jatos`.
    public var mapping: ImportMapping?
    /// The largest record (CSV row, JSON line or array element) read, in bytes.
    public var maxRecordBytes = ImportOptions.defaultMaxRecordBytes

    /// A JATOS `.zip`: the most entries it may list (files and folders).
    public var maxArchiveEntries = ImportOptions.defaultMaxArchiveEntries
    /// A JATOS `.zip`: the most bytes its result files may unpack to, all together (a zip bomb stops here).
    public var maxArchiveBytes = ImportOptions.defaultMaxArchiveBytes

    /// 1 MiB: far above any real record, far below what would exhaust memory.
    public static let defaultMaxRecordBytes = 1 << 20
    /// 100,000 entries: a study of 30,000 results with a folder and a file each, and room to spare.
    public static let defaultMaxArchiveEntries = 100_000
    /// 1 GiB unpacked: results are text; a real export of that size would be millions of trials.
    public static let defaultMaxArchiveBytes: UInt64 = 1 << 30

    public init(
        format: ImportFormat, rejectsFile: URL? = nil, keepRawIDs: Bool = false, payloads: URL? = nil,
        allowMissingPayloads: Bool = false, participantField: String? = nil, itemField: String? = nil,
        valueField: String? = nil
    ) {
        self.format = format
        self.rejectsFile = rejectsFile
        self.keepRawIDs = keepRawIDs
        self.payloads = payloads
        self.allowMissingPayloads = allowMissingPayloads
        self.participantField = participantField
        self.itemField = itemField
        self.valueField = valueField
    }
}
