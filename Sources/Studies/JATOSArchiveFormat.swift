import ExplicableCore
import Foundation

/// A JATOS results archive as JATOS exports it, unpacked: the folder its `.zip` unpacks to. (The
/// `.zip` itself is refused with a message saying to unpack it: ZIPFoundation 0.9.20, the zip
/// reader to use, names its zlib module `CZlib`, as this package does, and the two cannot be
/// built together until one is renamed.)
///
/// Two layouts: one `study_result_<id>/comp-result_<id>/data.txt` per component result, with the
/// results' `metadata.json` (worker, state, start and end times of each study result); or the
/// older single result file of JSON lines. Each data file is read as ``JATOSFormat`` reads one;
/// a study result's trials are one submission (assignment `jatos:study_result_<id>`), whose
/// participant is the trials' own participant field, else the metadata's `PROLIFIC_PID` URL
/// parameter, else its JATOS worker id.
enum JATOSArchiveFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        let base = url.path
        var entries: [(path: String, data: () throws -> Data)] = []
        let root = url.standardizedFileURL.path
        if let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let file as URL in walker {
                guard (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
                let path = String(file.standardizedFileURL.path.dropFirst(root.count + 1))
                entries.append((path, {
                    do { return try Data(contentsOf: file) } catch {
                        throw ExplicableError(.io, "cannot read file: \(error.localizedDescription)", file: file.path)
                    }
                }))
            }
        }
        entries.sort { $0.path < $1.path }
        var results: [String: JsPsychFormat.Context] = [:]
        for entry in entries where entry.path.split(separator: "/").last == "metadata.json" {
            try readMetadata(entry.data(), file: "\(base)/\(entry.path)", into: &results)
        }
        let dataFiles = entries.filter { entry in
            let parts = entry.path.split(separator: "/")
            return parts.last == "data.txt" || (parts.count == 1 && entry.path.hasSuffix(".txt"))
        }
        guard !dataFiles.isEmpty else {
            let names = entries.prefix(10).map(\.path).joined(separator: ", ")
            throw ExplicableError.badInput("holds no JATOS result data: no study_result_N/comp-result_M/data.txt and no "
                + "result .txt file (it holds: \(names.isEmpty ? "nothing" : names))", file: base)
        }
        for entry in dataFiles {
            let studyResult = entry.path.split(separator: "/").first { $0.hasPrefix("study_result_") }
                .map { String($0.dropFirst("study_result_".count)) }
            var context = studyResult.flatMap { results[$0] } ?? JsPsychFormat.Context()
            if let studyResult { context.assignment = "jatos:study_result_\(studyResult)" }
            sink.file = "\(base)/\(entry.path)"
            let data = try entry.data()
            var number = 0
            // Read whole: one component result's data, far smaller than the files `.txt` imports stream.
            for piece in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
                number += 1
                guard piece.count <= sink.options.maxRecordBytes else {
                    throw ExplicableError.badInput("a line longer than \(sink.options.maxRecordBytes) bytes (the limit for one record)",
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
            let worker = (query?["PROLIFIC_PID"]).flatMap(JsPsychFormat.string)
                ?? JsPsychFormat.string(result["workerId"]).map { "jatos-worker:\($0)" }
            func date(_ key: String) -> Date? {
                JsPsychFormat.number(result[key]).map { Date(timeIntervalSince1970: $0 / 1000) }
            }
            results[id] = JsPsychFormat.Context(participant: worker, assignment: nil,
                status: JsPsychFormat.string(result["studyState"]), startedAt: date("startDate"), submittedAt: date("endDate"))
        }
    }
}
