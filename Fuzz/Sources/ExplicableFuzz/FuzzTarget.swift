import ExplicableCore
import Foundation
import LabelStore
import Studies
import Training
import WordNet

/// The readers of untrusted input, one fuzz target each.
///
/// Readers that take a URL get the input written to one temporary file per process
/// (``scratch(_:)``); the rest get the bytes.
enum FuzzTarget: String, CaseIterable {
    /// WN-LMF through ``LMFReader`` (gzip or plain XML: the reader's ``GzipStream`` passes plain text through).
    case lmf
    /// ``CSVReader``: every field as string, int and double, then again through `next()`.
    case csv
    /// ``LineReader`` (JSON lines are read line by line, then decoded by the importers).
    case jsonl
    /// ``JSONArrayReader``: the elements of a top-level JSON array.
    case jsonArray = "json-array"
    /// ``Importer`` with each ``ImportFormat``, into a fresh in-memory ``LabelStore``.
    case importPayload = "import-payload"
    case importMTurk = "import-mturk"
    case importLong = "import-long"
    case importCIFAR10HRaw = "import-cifar10h-raw"
    case importCounts = "import-counts"
    case importJsPsych = "import-jspsych"
    case importJATOS = "import-jatos"
    case importProlific = "import-prolific"
    /// ``NPYArray/decode(_:file:)`` and ``NPYArray/read(_:)``, then what readers do with the result.
    case npy
    /// ``CIFARBinary`` and ``DatasetReader``'s CIFAR-10 and CIFAR-100 readers.
    case cifar
    /// ``Checkpoint/read(_:)``.
    case checkpoint
    /// As `npy` and `checkpoint`, with the input as header text, a zero byte, then the data: the
    /// harness writes the magic and a header length that fits, so mutations reach the header's
    /// fields instead of stopping at a length that no longer matches.
    case npyHeader = "npy-header"
    case checkpointHeader = "checkpoint-header"
    /// The study server's `POST /api/answer` and `/api/finish` bodies (see ``AnswerBody``).
    case answer
    /// ``StudySpec/decode(_:file:)``: the study spec JSON that `study create` reads.
    case studySpec = "study-spec"

    /// The file name the input is written under, for readers that take a URL.
    var fileName: String {
        switch self {
        case .lmf: "input.xml.gz"
        case .csv, .importMTurk, .importLong, .importCIFAR10HRaw, .importProlific: "input.csv"
        case .jsonl, .importJATOS: "input.jsonl"
        case .jsonArray, .importPayload, .importJsPsych, .answer, .studySpec: "input.json"
        case .importCounts, .npy, .npyHeader: "input.npy"
        case .cifar: "test_batch.bin"
        case .checkpoint, .checkpointHeader: "input.ckpt"
        }
    }

    func run(_ data: Data) {
        switch self {
        case .lmf: _ = try? LMFReader.read(scratch(data))
        case .csv: readCSV(scratch(data))
        case .jsonl:
            guard var reader = try? LineReader(url: scratch(data)) else { return }
            while let line = try? reader.next() { _ = line.count }
        case .jsonArray:
            guard var reader = try? JSONArrayReader(url: scratch(data)) else { return }
            while let element = try? reader.next() { _ = try? JSONSerialization.jsonObject(with: element.bytes) }
        case .importPayload: ImportFixture.shared.run(scratch(data), format: .payload)
        case .importMTurk: ImportFixture.shared.run(scratch(data), format: .mturk)
        case .importLong: ImportFixture.shared.run(scratch(data), format: .long)
        case .importCIFAR10HRaw: ImportFixture.shared.run(scratch(data), format: .cifar10hRaw)
        case .importCounts: ImportFixture.shared.run(scratch(data), format: .counts)
        case .importJsPsych: ImportFixture.shared.run(scratch(data), format: .jspsych)
        case .importJATOS: ImportFixture.shared.run(scratch(data), format: .jatos)
        case .importProlific: ImportFixture.shared.run(scratch(data), format: .prolific)
        case .npy: readNPY(data)
        case .cifar: readCIFAR(data)
        case .checkpoint:
            guard let checkpoint = try? Checkpoint.read(scratch(data)) else { return }
            _ = checkpoint.tensors("parameter").count
        case .npyHeader: readNPY(Framing.npy(data))
        case .checkpointHeader:
            guard let checkpoint = try? Checkpoint.read(scratch(Framing.checkpoint(data))) else { return }
            _ = checkpoint.tensors("parameter").count
        case .answer: AnswerBody.check(data)
        case .studySpec:
            guard let spec = try? StudySpec.decode(data, file: "input.json") else { return }
            if let classes = try? ClassSet(name: "fuzz", labels: (0..<10).map { "c\($0)" }) {
                // What `study create` does next with a spec that decoded.
                _ = (try? Study.makeItems(spec, classes: classes))?.count
            }
        }
    }

    /// Writes `data` to this process's temporary file for the target and returns its URL.
    func scratch(_ data: Data) -> URL {
        let url = Scratch.folder.appendingPathComponent(fileName)
        do { try data.write(to: url) } catch { fatalError("cannot write the fuzz input to \(url.path): \(error)") }
        return url
    }

    private func readCSV(_ url: URL) {
        if var reader = try? CSVReader(url: url) {
            while (try? reader.advance()) == true {
                for i in 0..<reader.fieldCount {
                    _ = try? reader.string(i)
                    _ = reader.int(i)
                    _ = reader.double(i)
                    _ = reader.isEmpty(i)
                }
            }
        }
        if var reader = try? CSVReader(url: url) {
            while let record = try? reader.next() { _ = record.fields.count }
        }
    }

    private func readNPY(_ data: Data) {
        guard let array = try? NPYArray.decode(data, file: "input.npy") else { return }
        _ = array.doubles.count
        // The readers that take `.npy` files by URL: the same bytes as labels, and as features with themselves as labels.
        let url = scratch(data)
        _ = try? NPYArray.read(url)
        _ = try? DatasetReader.classCount(labels: url)
        if let classes = try? ClassSet(name: "fuzz", labels: (0..<10).map { "c\($0)" }) {
            _ = try? DatasetReader.features(features: url, labels: url, classes: classes)
        }
    }

    private func readCIFAR(_ data: Data) {
        // CIFAR-10's test split is `test_batch.bin`, CIFAR-100's `test.bin`: the same bytes under both names.
        let url = scratch(data)
        let cifar100 = Scratch.folder.appendingPathComponent(DatasetReader.cifar100File(.test))
        do { try data.write(to: cifar100) } catch { fatalError("cannot write the fuzz input: \(error)") }
        if let batch = try? CIFARBinary(url: url) {
            for i in 0..<batch.count {
                _ = batch.label(i)
                _ = batch.rgb(i)
            }
        }
        _ = try? DatasetReader.cifar10(folder: Scratch.folder, split: .test)
        _ = try? DatasetReader.cifar100(folder: Scratch.folder, split: .test)
        _ = try? DatasetReader.cifar100(folder: Scratch.folder, split: .test, coarse: true)
    }
}

/// This process's temporary folder, made once and reused for every input.
enum Scratch {
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("explicable-fuzz-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            fatalError("cannot make \(url.path): \(error)")
        }
        return url
    }()
}

/// The repository this package sits in (`Fuzz/` is one level below the root), for the study specs
/// and class sets the importers need.
let repositoryRoot: URL = {
    if let path = ProcessInfo.processInfo.environment["EXPLICABLE_ROOT"], !path.isEmpty {
        return URL(fileURLWithPath: path, isDirectory: true)
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}()
