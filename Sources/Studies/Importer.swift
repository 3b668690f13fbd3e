public import ExplicableCore
public import Foundation
public import LabelStore

/// The annotator-response formats `explicable study import` reads.
public enum ImportFormat: String, Sendable, CaseIterable {
    /// The JSON payloads of explicable's own pages: one object, an array, or JSON lines.
    case payload
    /// An MTurk batch results CSV whose HITs used explicable's HIT layout.
    case mturk
    /// A long CSV: `annotator,item,value[,rt_ms]` or `annotator,class_a,class_b,value[,rt_ms]`
    /// (values may be class labels in instance-label studies).
    case long
    /// CIFAR-10H's raw trial CSV (`annotator_id,trial_index,is_attn_check,…`).
    case cifar10hRaw = "cifar10h-raw"
    /// A counts matrix `.npy` (images × classes), instance labels without annotators.
    case counts
    /// jsPsych data: a JSON array of trials or its CSV; trials carry an `item` field.
    case jspsych
    /// JATOS results: a result file (JSON lines of jsPsych data arrays, trials or page payloads),
    /// or a results archive as JATOS exports it: the `.zip` or the folder it unpacks to (`JATOSArchiveFormat`).
    case jatos
    /// A Prolific submissions export CSV, joined with the pages' payloads (``ImportOptions/payloads``).
    case prolific
}

/// Imports annotator responses into the label store: streaming, one transaction per file,
/// idempotent per (assignment, item): importing a file again, or a corrected rejected record,
/// adds exactly the answers the store does not hold yet.
public struct Importer {
    public let study: Study
    public let store: LabelStore

    public init(study: Study, store: LabelStore) {
        self.study = study
        self.store = store
    }

    /// Imports `url`.
    /// - Throws: `ExplicableError` `FILE:LINE: reason` for the first bad record (and the store is
    ///   unchanged), unless `options.rejectsFile` is set; for a file that yields no answer at all.
    public func run(_ url: URL, options: ImportOptions, now: Date = Date()) throws(ExplicableError) -> ImportReport {
        try Self.checkReadable(url, format: options.format)
        if options.format == .prolific {
            guard let payloads = options.payloads else {
                throw ExplicableError(
                    .invalidArgument, "--format prolific needs --payloads FILE (the pages' JSON payloads)")
            }
            try Self.checkReadable(payloads, format: .payload)
        }
        let archive = options.format == .jatos ? try Self.jatosArchiveKind(url) : nil
        var sha = archive == true ? try Self.folderDigest(url) : try SHA256Digest.hex(ofFile: url)
        // A Prolific import is the export joined with its payloads: the pair is what was imported.
        if options.format == .prolific, let payloads = options.payloads {
            sha = SHA256Digest.hex(of: Data((sha + (try SHA256Digest.hex(ofFile: payloads))).utf8))
        }
        let (report, rejected, rejectHeader) = try store.importAnswers(
            studyId: study.id, fileName: url.lastPathComponent,
            sha256: sha, format: options.format.rawValue, importedAt: now
        ) { session in
            var sink = ResponseSink(study: study, session: session, file: url.path, options: options)
            switch options.format {
            case .long: try LongCSVFormat.read(url, into: &sink)
            case .cifar10hRaw: try CIFAR10HRawFormat.read(url, into: &sink)
            case .payload: try PayloadFormat.read(url, into: &sink)
            case .mturk:
                if let mapping = options.mapping {
                    try MappedMTurkFormat.read(url, mapping: mapping, into: &sink)
                } else {
                    try MTurkFormat.read(url, into: &sink)
                }
            case .counts: try CountsFormat.read(url, into: &sink)
            case .jspsych: try JsPsychFormat.read(url, into: &sink)
            case .jatos:
                if let archive {
                    try JATOSArchiveFormat.read(url, isZip: !archive, into: &sink)
                } else {
                    try JATOSFormat.read(url, into: &sink)
                }
            case .prolific: try ProlificFormat.read(url, payloads: options.payloads!, into: &sink)
            }
            try sink.finish()
            var report = sink.report(file: url.path, format: options.format)
            let added = report.responsesAdded + report.countsAdded > 0
            report.alreadyImported = !added && session.fileSeenBefore
            return ((report, sink.rejected, sink.header), added)
        }
        if let rejectsFile = options.rejectsFile {
            // The rejected records as they were, after their line and reason, so they can be fixed and re-imported.
            let columns: [String] = ["line", "reason"] + (rejectHeader.isEmpty ? ["content"] : rejectHeader)
            var text = columns.map(csvField).joined(separator: ",") + "\n"
            for row in rejected {
                let cells: [String] = [String(row.line), row.reason] + row.fields
                text += cells.map(csvField).joined(separator: ",") + "\n"
            }
            do { try Data(text.utf8).write(to: rejectsFile, options: .atomic) } catch {
                throw ExplicableError(
                    .io, "cannot write rejected rows: \(error.localizedDescription)", file: rejectsFile.path)
            }
        }
        // An adaptive study's allocator counts imported answers too (a running server sees them at
        // its next admission, a stopped one when it starts).
        if study.spec.effectiveAllocation == .adaptive, report.responsesAdded > 0 {
            try store.logImportedAnswers(studyId: study.id)
        }
        return report
    }

    /// For `--format jatos`: `true` for a results folder, `false` for a zip archive, `nil` for a result file.
    static func jatosArchiveKind(_ url: URL) throws(ExplicableError) -> Bool? {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
        if isFolder.boolValue { return true }
        return try isZip(url) ? false : nil
    }

    static func isZip(_ url: URL) throws(ExplicableError) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw ExplicableError(.io, "cannot read file", file: url.path)
        }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic.starts(with: [0x50, 0x4B, 0x03, 0x04]) || magic.starts(with: [0x50, 0x4B, 0x05, 0x06])
    }

    /// A folder's fingerprint: SHA-256 over its files' relative paths and SHA-256s, in path order.
    static func folderDigest(_ url: URL) throws(ExplicableError) -> String {
        let root = url.standardizedFileURL.path
        var lines: [String] = []
        if let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let file as URL in walker
            where (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                lines.append(
                    String(file.standardizedFileURL.path.dropFirst(root.count + 1)) + " "
                        + (try SHA256Digest.hex(ofFile: file)))
            }
        }
        return SHA256Digest.hex(of: Data(lines.sorted().joined(separator: "\n").utf8))
    }

    /// Refuses what no text importer can read, saying what it is: a folder, a zip archive, a missing file.
    static func checkReadable(_ url: URL, format: ImportFormat) throws(ExplicableError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ExplicableError(.io, "no such file", file: url.path)
        }
        if format == .jatos, isFolder.boolValue { return }  // an unpacked results archive
        if isFolder.boolValue {
            throw ExplicableError.badInput(
                "is a folder, not a file: --format \(format.rawValue) reads one file (a JATOS results folder: "
                    + "--format jatos)", file: url.path)
        }
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw ExplicableError(.io, "cannot read file", file: url.path)
        }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        if format != .counts, format != .jatos,
            magic.starts(with: [0x50, 0x4B, 0x03, 0x04]) || magic.starts(with: [0x50, 0x4B, 0x05, 0x06])
        {
            throw ExplicableError.badInput(
                "is a zip archive, not a \(format.rawValue) file: a JATOS results archive "
                    + "is read by --format jatos; any other zip: unzip it and import the files inside", file: url.path)
        }
    }
}
