import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Studies
import TestSupport
import Testing
import ZIPFoundation

/// Builds a zip at `url` from `(path, content)` entries, deflated; `symlinks` are added as links to their content.
func makeZip(_ url: URL, _ entries: [(String, Data)], symlinks: [(String, String)] = []) throws {
    let archive = try Archive(url: url, accessMode: .create)
    for (path, data) in entries {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate)
        {
            position, size in data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
    for (path, target) in symlinks {
        let data = Data(target.utf8)
        try archive.addEntry(with: path, type: .symlink, uncompressedSize: Int64(data.count)) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
}

/// A folder fixture's files as zip entries, under `prefix`.
func entries(ofFolder folder: URL, prefix: String = "") throws -> [(String, Data)] {
    let root = folder.standardizedFileURL.path
    var out: [(String, Data)] = []
    for case let file as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)! {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue else {
            continue
        }
        out.append(
            (prefix + String(file.standardizedFileURL.path.dropFirst(root.count + 1)), try Data(contentsOf: file)))
    }
    return out.sorted { $0.0 < $1.0 }
}

/// JATOS results archives as `.zip`s, read with ZIPFoundation: both layouts, and hostile archives refused
/// whole with one line, the store unchanged.
struct JATOSZipTests {
    @Test func theExportedZipImportsTheSameAnswersAsItsFolder() throws {
        let (folderStore, folderStudy) = try likertStudy()
        _ = try Importer(study: folderStudy, store: folderStore).run(
            fixture("jatos_results_files_20261129"),
            options: .init(format: .jatos))
        let (store, study) = try likertStudy()
        let zip = fixture("jatos_results_20261129.zip")
        let report = try Importer(study: study, store: store).run(zip, options: .init(format: .jatos))
        #expect(report.rowsRead == 6 && report.submissionsAdded == 2 && report.responsesAdded == 4, "\(report)")
        #expect(try answers(store) == answers(folderStore))
        #expect(
            try answers(store) == [
                "jatos:study_result_11 attn:circle-circle 4", "jatos:study_result_11 pair:0:1 3",
                "jatos:study_result_11 pair:1:0 2",
                "jatos:study_result_12 pair:0:1 1",
            ])
        // metadata.json inside the zip gives status, times and worker, as in the folder.
        let submissions = try store.read { try SubmissionRecord.order(Column("assignmentID")).fetchAll($0) }
        #expect(submissions.map(\.platformStatus) == ["FINISHED", "ABORTED"])
        #expect(submissions[0].workSeconds == 180)
        // The same zip again adds nothing.
        let before = try dump(store)
        let again = try Importer(study: study, store: store).run(zip, options: .init(format: .jatos))
        #expect(again.responsesAdded == 0 && again.answersAlreadyStored == 4, "\(again)")
        #expect(try answers(store) == answers(folderStore) && dump(store).count >= before.count)
    }

    @Test func aZipBuiltInTheTestInBothLayouts() throws {
        let folder = try temporaryFolder()
        // New layout, inside one top folder as an unpacked export zipped again would be.
        let nested = folder.appendingPathComponent("nested.zip")
        try makeZip(
            nested, try entries(ofFolder: fixture("jatos_results_files_20261129"), prefix: "jatos_results_files/"))
        let (store, study) = try likertStudy()
        let report = try Importer(study: study, store: store).run(nested, options: .init(format: .jatos))
        #expect(report.submissionsAdded == 2 && report.responsesAdded == 4, "\(report)")
        // The older layout: one result file of JSON lines.
        let old = folder.appendingPathComponent("old.zip")
        try makeZip(old, try entries(ofFolder: fixture("jatos_results_old_layout")))
        let (oldStore, oldStudy) = try likertStudy()
        let oldReport = try Importer(study: oldStudy, store: oldStore).run(old, options: .init(format: .jatos))
        #expect(oldReport.submissionsAdded == 2 && oldReport.responsesAdded == 4, "\(oldReport)")
        #expect(
            try answers(oldStore).map { $0.split(separator: " ")[0] } == [
                "jspsych:s1", "jspsych:s1", "jspsych:s1", "jspsych:s2",
            ])
    }

    /// Imports `zip` into a store that already holds the folder's answers and expects `message`, the store unchanged.
    func expectRefused(
        _ zip: URL, options: ImportOptions = .init(format: .jatos), _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let (store, study) = try likertStudy()
        _ = try Importer(study: study, store: store).run(
            fixture("jatos_results_old_layout"), options: .init(format: .jatos))
        let before = try dump(store)
        do {
            _ = try Importer(study: study, store: store).run(zip, options: options)
            Issue.record("imported \(zip.lastPathComponent)", sourceLocation: sourceLocation)
        } catch {
            let refusal = (error as any Error) as? ExplicableError
            #expect(refusal?.kind == .badInput, sourceLocation: sourceLocation)
            #expect(refusal?.description == message, sourceLocation: sourceLocation)
            #expect(refusal?.description.contains("\n") == false, sourceLocation: sourceLocation)
        }
        #expect(try dump(store) == before, sourceLocation: sourceLocation)
    }

    @Test func hostileArchivesAreRefusedWhole() throws {
        let folder = try temporaryFolder()
        let good = try entries(ofFolder: fixture("jatos_results_files_20261129"))
        let traversal = folder.appendingPathComponent("traversal.zip")
        try makeZip(traversal, good + [("study_result_13/../../evil/data.txt", Data("[]\n".utf8))])
        try expectRefused(
            traversal,
            "\(traversal.path): entry 'study_result_13/../../evil/data.txt' climbs out of the "
                + "archive ('..' in its path)")
        let absolute = folder.appendingPathComponent("absolute.zip")
        try makeZip(absolute, good + [("/tmp/data.txt", Data("[]\n".utf8))])
        try expectRefused(absolute, "\(absolute.path): entry '/tmp/data.txt' has an absolute path")
        let link = folder.appendingPathComponent("link.zip")
        try makeZip(link, good, symlinks: [("study_result_13/comp-result_1/data.txt", "/etc/passwd")])
        try expectRefused(
            link,
            "\(link.path): entry 'study_result_13/comp-result_1/data.txt' is a symbolic link; a results "
                + "archive holds only files and folders")
        var few = ImportOptions(format: .jatos)
        few.maxArchiveEntries = 2
        let many = fixture("jatos_results_20261129.zip")
        try expectRefused(
            many, options: few, "\(many.path): lists more than 2 entries, the limit for a results archive")
    }

    @Test func aZipBombStopsAtTheByteLimitWhateverItDeclares() throws {
        let folder = try temporaryFolder()
        let bomb = folder.appendingPathComponent("bomb.zip")
        // 4 MiB of one trial repeated deflates to a few KiB.
        let line = Data("[{\"item\": \"pair:0:1\", \"response\": 2, \"subject\": \"s\"}]\n".utf8)
        var big = Data()
        while big.count < 4 << 20 { big.append(line) }
        try makeZip(bomb, [("study_result_1/comp-result_1/data.txt", big)])
        #expect((try FileManager.default.attributesOfItem(atPath: bomb.path)[.size] as! Int) < 100_000)
        var options = ImportOptions(format: .jatos)
        options.maxArchiveBytes = 1 << 20
        try expectRefused(
            bomb, options: options,
            "\(bomb.path)/study_result_1/comp-result_1/data.txt: unpacks to more "
                + "than 1048576 bytes, the limit for a results archive (a zip bomb?)")
        // The sizes the archive declares are not trusted: the same entry claiming 100 bytes still stops at the limit.
        var bytes = try Data(contentsOf: bomb)
        let declared = UInt32(big.count)
        let lie = withUnsafeBytes(of: UInt32(100).littleEndian, Array.init)
        let truth = withUnsafeBytes(of: declared.littleEndian, Array.init)
        var patched = 0
        var i = bytes.startIndex
        while let range = bytes[i...].firstRange(of: truth) {
            bytes.replaceSubrange(range, with: lie)
            patched += 1
            i = range.upperBound
        }
        #expect(patched == 2)  // the local header's and the central directory's uncompressed size
        let liar = folder.appendingPathComponent("liar.zip")
        try bytes.write(to: liar)
        try expectRefused(
            liar, options: options,
            "\(liar.path)/study_result_1/comp-result_1/data.txt: unpacks to more "
                + "than 1048576 bytes, the limit for a results archive (a zip bomb?)")
    }

    @Test func damagedAndTruncatedZipsAreOneLine() throws {
        let folder = try temporaryFolder()
        let zip = folder.appendingPathComponent("damaged.zip")
        let text = Data(
            String(repeating: "[{\"item\": \"pair:0:1\", \"response\": 2, \"subject\": \"s\"}]\n", count: 50).utf8)
        try makeZip(zip, [("study_result_1/comp-result_1/data.txt", text)])
        var bytes = try Data(contentsOf: zip)
        // The local header is 30 bytes plus the name; flip bytes inside the deflated data after it.
        let dataStart = 30 + "study_result_1/comp-result_1/data.txt".utf8.count
        for k in dataStart + 4..<dataStart + 12 { bytes[k] ^= 0x5A }
        try bytes.write(to: zip)
        let (store, study) = try likertStudy()
        let before = try dump(store)
        #expect {
            _ = try Importer(study: study, store: store).run(zip, options: .init(format: .jatos))
        } throws: {
            let error = $0 as? ExplicableError
            return error?.kind == .badInput && error?.file == "\(zip.path)/study_result_1/comp-result_1/data.txt"
                && error?.message.hasPrefix("entry is damaged") == true && !error!.description.contains("\n")
        }
        #expect(try dump(store) == before)
        let truncated = folder.appendingPathComponent("truncated.zip")
        try Data(try Data(contentsOf: fixture("jatos_results_20261129.zip")).prefix(200)).write(to: truncated)
        try expectRefused(
            truncated,
            "\(truncated.path): is not a readable zip archive (no central directory: truncated "
                + "or damaged?)")
    }

    /// A deflate stream that does not end within its entry's bytes is damaged: ZIPFoundation's own
    /// extract kept asking the file for more and spun forever at its end (Fuzz/regressions/import-jatos/).
    @Test func aDeflateStreamLongerThanItsEntryIsDamagedNotAwaited() throws {
        let folder = try temporaryFolder()
        let zip = folder.appendingPathComponent("endless.zip")
        let name = "study_result_1/comp-result_1/data.txt"
        let text = Data(
            String(repeating: "[{\"item\": \"pair:0:1\", \"response\": 2, \"subject\": \"s\"}]\n", count: 50).utf8)
        try makeZip(zip, [(name, text)])
        var bytes = try Data(contentsOf: zip)
        // A stored, not-final deflate block that announces 65,535 bytes: more than the entry and the rest of the file.
        let dataStart = 30 + name.utf8.count
        bytes.replaceSubrange(dataStart..<dataStart + 5, with: [0x00, 0xFF, 0xFF, 0x00, 0x00])
        try bytes.write(to: zip)
        try expectRefused(
            zip,
            "\(zip.path)/\(name): entry is damaged (its compressed data ends before the deflate stream does)")
        // The regression input the fuzzer found: one line, no hang.
        let found = repositoryRoot.appendingPathComponent("Fuzz/regressions/import-jatos/zip-inflate-loop.zip")
        let (store, study) = try likertStudy()
        #expect {
            _ = try Importer(study: study, store: store).run(found, options: .init(format: .jatos))
        } throws: {
            let error = $0 as? ExplicableError
            return error?.kind == .badInput && !error!.description.contains("\n")
        }
    }

    @Test func aZipGivenToATextImporterSaysItIsOneAndWhichFormatReadsIt() throws {
        let (store, study) = try likertStudy()
        let zip = fixture("jatos_results_20261129.zip")
        for format in [ImportFormat.long, .jspsych, .mturk, .payload, .prolific] {
            var options = ImportOptions(format: format)
            options.payloads = fixture("prolific-payloads-all.jsonl")
            #expect {
                _ = try Importer(study: study, store: store).run(zip, options: options)
            } throws: {
                ($0 as? ExplicableError)?.description
                    == "\(zip.path): is a zip archive, not a \(format.rawValue) file: a "
                    + "JATOS results archive is read by --format jatos; any other zip: unzip it and import the files inside"
            }
        }
    }
}
