import ExplicableCore
import Foundation
import ZIPFoundation

/// A JATOS results archive as JATOS exports it: the `.zip`, or the folder it unpacks to.
///
/// Two layouts: one `study_result_<id>/comp-result_<id>/data.txt` per component result, with the
/// results' `metadata.json` (worker, state, start and end times of each study result); or the
/// older single result file of JSON lines. Each data file is read as ``JATOSFormat`` reads one;
/// a study result's trials are one submission (assignment `jatos:study_result_<id>`), whose
/// participant is the trials' own participant field, else the metadata's `PROLIFIC_PID` URL
/// parameter, else its JATOS worker id.
///
/// A `.zip` is listed by ZIPFoundation and its entries inflated by `ZipEntryData`, nothing
/// unpacked to disk, and refused whole (one line naming the entry) when it lists more than
/// ``ImportOptions/maxArchiveEntries`` entries or is a ZIP64 archive, when its result files
/// unpack to more than ``ImportOptions/maxArchiveBytes`` (counted as they inflate, whatever the
/// sizes it declares), or when an entry is a symbolic link, has an
/// absolute path or a `..` component, or is damaged (CRC or compression errors).
enum JATOSArchiveFormat {
    /// One file of the archive: its path inside it and how to read it.
    struct Entry {
        var path: String
        var declaredSize: UInt64
        var read: () throws -> Data
    }

    static func read(_ url: URL, isZip: Bool, into sink: inout ResponseSink) throws {
        let entries = isZip ? try zipEntries(url, options: sink.options) : try folderEntries(url)
        try read(entries, base: url.path, into: &sink)
    }

    /// The regular files under a results folder, in path order.
    static func folderEntries(_ url: URL) throws -> [Entry] {
        var entries: [Entry] = []
        let root = url.standardizedFileURL.path
        if let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let file as URL in walker {
                guard (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
                let path = String(file.standardizedFileURL.path.dropFirst(root.count + 1))
                entries.append(
                    Entry(path: path, declaredSize: 0) {
                        do { return try Data(contentsOf: file) } catch {
                            throw ExplicableError(
                                .io, "cannot read file: \(error.localizedDescription)", file: file.path)
                        }
                    })
            }
        }
        return entries.sorted { $0.path < $1.path }
    }

    /// The files of a `.zip`, checked for hostile entries before anything is read; each is
    /// inflated on demand into memory, counted against the archive's byte budget.
    static func zipEntries(_ url: URL, options: ImportOptions) throws(ExplicableError) -> [Entry] {
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw ExplicableError.badInput(
                "is not a readable zip archive (no central directory: truncated or damaged?)",
                file: url.path)
        }
        let budget = ByteBudget(limit: options.maxArchiveBytes)
        // The entries' data is read by ZipEntryData (ZIPFoundation's extract can hang on a hostile zip).
        let data = try ZipEntryData(url)
        var entries: [Entry] = []
        var count = 0
        for entry in archive {
            count += 1
            guard count <= options.maxArchiveEntries else {
                throw ExplicableError.badInput(
                    "lists more than \(options.maxArchiveEntries) entries, the limit for a "
                        + "results archive", file: url.path)
            }
            let path = entry.path
            if let why = hostilePath(path) {
                throw ExplicableError.badInput("entry '\(printable(path))' \(why)", file: url.path)
            }
            switch entry.type {
            case .symlink:
                throw ExplicableError.badInput(
                    "entry '\(printable(path))' is a symbolic link; a results archive holds "
                        + "only files and folders", file: url.path)
            case .directory: continue
            case .file: break
            }
            guard count <= data.locations.count,
                UInt64(data.locations[count - 1].range.count) == entry.compressedSize
            else {
                throw ExplicableError.badInput(
                    "entry '\(printable(path))' is damaged (the central directory disagrees with itself)",
                    file: url.path)
            }
            let location = data.locations[count - 1], checksum = entry.checksum
            entries.append(
                Entry(path: path, declaredSize: entry.uncompressedSize) {
                    do {
                        return try data.contents(of: location, checksum: checksum) { bytes throws(ExplicableError) in
                            try budget.spend(UInt64(bytes))
                        }
                    } catch let error as ExplicableError {
                        throw ExplicableError(error.kind, error.message, file: "\(url.path)/\(path)")
                    }
                })
        }
        return entries.sorted { $0.path < $1.path }
    }

    /// Why an entry's path is refused: absolute, or climbing out of the archive with `..`; nil when it is fine.
    static func hostilePath(_ path: String) -> String? {
        if path.hasPrefix("/") || path.hasPrefix("\\") || path.dropFirst().hasPrefix(":") {
            return "has an absolute path"
        }
        if path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).contains("..") {
            return "climbs out of the archive ('..' in its path)"
        }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 }) { return "has control characters in its path" }
        return nil
    }

    /// A path as a message shows it: at most 200 characters.
    static func printable(_ path: String) -> String {
        path.count > 200 ? String(path.prefix(200)) + "…" : path
    }

    /// Bytes left to unpack from one archive; spending past it throws.
    final class ByteBudget {
        let limit: UInt64
        private(set) var spent: UInt64 = 0
        init(limit: UInt64) { self.limit = limit }
        func spend(_ bytes: UInt64) throws(ExplicableError) {
            spent += bytes
            guard spent <= limit else {
                throw ExplicableError.badInput(
                    "unpacks to more than \(limit) bytes, the limit for a results archive "
                        + "(a zip bomb?)")
            }
        }
    }

    /// Reads the result files of an archive (folder or zip) whose entries are `entries`.
    static func read(_ entries: [Entry], base: String, into sink: inout ResponseSink) throws {
        var results: [String: JsPsychFormat.Context] = [:]
        for entry in entries where entry.path.split(separator: "/").last == "metadata.json" {
            try readMetadata(entry.read(), file: "\(base)/\(entry.path)", into: &results)
        }
        let dataFiles = entries.filter { entry in
            let parts = entry.path.split(separator: "/")
            if parts.last == "data.txt" { return true }
            // The older layout: one result file of JSON lines, at the top or in the archive's one folder.
            return entry.path.hasSuffix(".txt") && parts.count <= 2 && !parts.contains { $0.hasPrefix("study_result_") }
        }
        guard !dataFiles.isEmpty else {
            let names = entries.prefix(10).map { printable($0.path) }.joined(separator: ", ")
            throw ExplicableError.badInput(
                "holds no JATOS result data: no study_result_N/comp-result_M/data.txt and no "
                    + "result .txt file (it holds: \(names.isEmpty ? "nothing" : names))", file: base)
        }
        for entry in dataFiles {
            let studyResult = entry.path.split(separator: "/").first { $0.hasPrefix("study_result_") }
                .map { String($0.dropFirst("study_result_".count)) }
            var context = studyResult.flatMap { results[$0] } ?? JsPsychFormat.Context()
            if let studyResult { context.assignment = "jatos:study_result_\(studyResult)" }
            sink.file = "\(base)/\(entry.path)"
            let data = try entry.read()
            var number = 0
            // Read whole: one component result's data, far smaller than the files `.txt` imports stream.
            for piece in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
                number += 1
                guard piece.count <= sink.options.maxRecordBytes else {
                    throw ExplicableError.badInput(
                        "a line longer than \(sink.options.maxRecordBytes) bytes (the limit for one record)",
                        file: sink.file, line: number)
                }
                guard let text = String(validating: piece, as: UTF8.self) else {
                    throw ExplicableError.badInput("line is not valid UTF-8 text", file: sink.file, line: number)
                }
                try JATOSFormat.add(line: text, number: number, context: context, into: &sink)
            }
        }
        sink.file = base
    }

    /// Reads JATOS's `metadata.json`: `{"data": [{"studyResults": [{"id", "workerId", "studyState",
    /// "startDate", "endDate", "urlQueryParameters"}]}]}` (times in ms since 1970), or one study result.
    static func readMetadata(_ data: Data, file: String, into results: inout [String: JsPsychFormat.Context]) throws {
        guard let root = try? JSONSerialization.jsonObject(with: data) else {
            throw ExplicableError.badInput("metadata.json is not JSON", file: file, line: 1)
        }
        var studyResults: [[String: Any]] = []
        func collect(_ object: Any) {
            if let dict = object as? [String: Any] {
                if let list = dict["studyResults"] as? [[String: Any]] { studyResults += list }
                if dict["componentResults"] != nil, dict["id"] != nil { studyResults.append(dict) }
                if let inner = dict["data"] { collect(inner) }
            } else if let array = object as? [Any] {
                for element in array { collect(element) }
            }
        }
        collect(root)
        for result in studyResults {
            guard let id = JsPsychFormat.string(result["id"]) else { continue }
            let query = result["urlQueryParameters"] as? [String: Any]
            let worker =
                (query?["PROLIFIC_PID"]).flatMap(JsPsychFormat.string)
                ?? JsPsychFormat.string(result["workerId"]).map { "jatos-worker:\($0)" }
            func date(_ key: String) -> Date? {
                JsPsychFormat.number(result[key]).map { Date(timeIntervalSince1970: $0 / 1000) }
            }
            results[id] = JsPsychFormat.Context(
                participant: worker, assignment: nil,
                status: JsPsychFormat.string(result["studyState"]), startedAt: date("startDate"),
                submittedAt: date("endDate"))
        }
    }
}
