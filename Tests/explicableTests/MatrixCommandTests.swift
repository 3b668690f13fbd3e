import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import Testing
import TestSupport

// The `matrix` and `audit` commands as a user runs them: arguments, exit codes, the stdout/stderr
// split, the human and --json output. What they compute is tested on the libraries:
// SemanticsTests/MatrixCommandLogicTests and AuditTests/LikertStudyCommandLogicTests (the same
// data and expectations these tests checked through the binary before).

/// A store file holding the CIFAR-10 Likert study with 12 simulated annotators who rate every
/// directed pair near the paper's published CHL (±1, clipped to 0…4), QC'd, made in-process with
/// the calls `study create`, `study import` and `study qc` make.
func likertStore() throws -> String {
    let db = try temporaryFolder().appendingPathComponent("m.sqlite").path
    let store = try LabelStore(path: db)
    let specURL = repositoryRoot.appendingPathComponent("studies/cifar10-class-likert.json")
    let (spec, json) = try StudySpec.load(specURL)
    let classes = try ClassSet.readTSV(builtInClassSetURL("cifar10"))
    try Study.create(spec: spec, specJSON: json, classes: classes, in: store)
    let chl = try NPYArray.read(requireSharedData("paper/cifar10_CHL_cmat.npy")).doubles
    let csv = noisyCHLRatingsCSV(chl: chl, labels: classes.labels)
    let file = try temporaryFolder().appendingPathComponent("ratings.csv")
    try Data(csv.utf8).write(to: file)
    let study = try Study.named(spec.name, in: store)
    _ = try Importer(study: study, store: store).run(file, options: ImportOptions(format: .long))
    let rows = try QualityControl(study: study, store: store).run()
    try #require(rows.count == 12 && rows.allSatisfy { $0.status == .accepted })
    return db
}

/// A store file holding the paper's CHL matrix as `paper-chl`.
func storeWithPapersCHL() throws -> String {
    let db = try temporaryFolder().appendingPathComponent("m.sqlite").path
    let chl = try MatrixFile.read(
        requireSharedData("paper/cifar10_CHL_cmat.npy"),
        classes: ClassSet.readTSV(builtInClassSetURL("cifar10")), kind: .similarity)
    try LabelStore(path: db).saveMatrix(StoredMatrix(name: "paper-chl", matrix: chl))
    return db
}

func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
}

struct MatrixCommandTests {
    @Test func likertStudyCommandsPrintTablesAndJSON() throws {
        let db = try likertStore()
        let build = try run(
            "matrix", "build", "chl", "--from", "likert:cifar10-class-likert", "--bootstrap", "20", "--db", db)
        #expect(build.status == 0, "\(build.err)")
        let lines = build.out.split(separator: "\n")
        #expect(lines[0].hasPrefix("stored 'chl': similarity, cifar10 (10 classes), hash "), "\(build.out)")
        #expect(
            lines[1].hasPrefix("provenance: ") && lines[1].contains("study=cifar10-class-likert")
                && lines[1].contains("annotators=12"), "\(build.out)")
        #expect(
            lines[2].split(separator: " ") == [
                "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                "ship", "truck",
            ])
        let imported = try run(
            "matrix", "import", "paper-chl", try requireSharedData("paper/cifar10_CHL_cmat.npy").path,
            "--classes", "cifar10", "--db", db)
        #expect(
            imported.status == 0
                && imported.out.hasPrefix("stored 'paper-chl': similarity, cifar10 (10 classes), hash "),
            "\(imported.err)")
        let compare = try run("matrix", "compare", "chl", "paper-chl", "--json", "--db", db)
        #expect(compare.status == 0, "\(compare.err)")
        let c = try jsonObject(compare.out)
        #expect(c["first"] as? String == "chl" && c["second"] as? String == "paper-chl" && c["cells"] as? Int == 90)
        for key in ["pearson", "spearman", "kendallTauB", "meanNeighbourAgreement"] {
            #expect(c[key] is Double, "\(key)")
        }
        #expect((c["neighbourAgreement"] as? [String: Any])?.count == 10 && (c["disagreements"] as? [Any])?.count == 10)
        let show = try run("matrix", "show", "chl", "--ci", "--db", db)
        #expect(show.status == 0 && show.out.hasPrefix("chl: similarity, cifar10, hash "), "\(show.out)")
        #expect(show.out.contains("4.00 [4.00, 4.00]"), "\(show.out)")
        let list = try run("matrix", "list", "--db", db)
        #expect(
            list.out.hasPrefix("name ") && list.out.contains("\nchl ") && list.out.contains("paper-chl")
                && list.out.contains("likert"), "\(list.out)")
        let reliability = try run(
            "matrix", "reliability", "cifar10-class-likert", "--draws", "10", "--splits", "20", "--json",
            "--db", db)
        #expect(reliability.status == 0, "\(reliability.err)")
        let r = try jsonObject(reliability.out)
        #expect(
            r["study"] as? String == "cifar10-class-likert" && r["ratings"] as? Int == 1080
                && r["annotators"] as? Int == 12)
        #expect((r["splitHalf"] as? [String: Any])?["splits"] as? Int == 20)
        #expect((r["krippendorffAlpha"] as? [String: Any])?.keys.sorted() == ["interval", "ordinal"])
        #expect((r["curve"] as? [[String: Any]])?.count == 11)  // k = 2…12
    }

    @Test func exportWritesFilesAndSaysSoOnStderr() throws {
        let db = try storeWithPapersCHL()
        let folder = try temporaryFolder()
        let csv = folder.appendingPathComponent("m.csv").path, svg = folder.appendingPathComponent("m.svg").path
        let torch = folder.appendingPathComponent("torch").path
        let r = try run("matrix", "export", "paper-chl", "-o", csv, "--svg", svg, "--torch", torch, "--db", db)
        #expect(r.status == 0 && r.out.isEmpty, "\(r.err)")
        #expect(
            r.err.hasPrefix(
                "wrote 10×10 similarity matrix 'paper-chl' to \(csv)\nwrote the heatmap of 'paper-chl' to \(svg)\n"),
            "\(r.err)")
        #expect(r.err.contains("train with: torchrun"))
        for path in [csv, svg, torch + "/explicable_loss.py"] {
            #expect(FileManager.default.fileExists(atPath: path), "\(path)")
        }
        let none = try run("matrix", "export", "paper-chl", "--db", db)
        #expect(none.status == 64 && none.err.contains("give -o FILE, --svg FILE or --torch DIR"))
    }

    @Test func wordnetSourceAndBadInputs() throws {
        let db = try temporaryFolder().appendingPathComponent("m.sqlite").path
        // --classes and --lmf reach the builder.
        let ekl = try run(
            "matrix", "build", "ekl", "--from", "wordnet:path", "--classes", fixture("mini-classes.tsv"), "--lmf",
            fixture("mini.xml"), "--db", db)
        #expect(
            ekl.status == 0 && ekl.out.hasPrefix("stored 'ekl': similarity, mini-classes (4 classes)"), "\(ekl.err)")
        // A matrix with NaN is refused with one line, exit 2, nothing stored.
        let bad = try temporaryFolder().appendingPathComponent("bad.csv")
        try Data("class,dog,cat,Rex,companion\ndog,1,0,0,0\ncat,0,1,nan,0\nRex,0,0,1,0\ncompanion,0,0,0,1\n".utf8)
            .write(to: bad)
        let r = try run("matrix", "import", "bad", bad.path, "--classes", fixture("mini-classes.tsv"), "--db", db)
        #expect(
            r.status == 2 && r.out.isEmpty && r.err.hasPrefix("Error: \(bad.path): cell (cat, Rex) is nan"), "\(r.err)")
        #expect(r.err.filter { $0 == "\n" }.count == 1)
        #expect(try LabelStore(path: db).matrixSummaries().map(\.name) == ["ekl"])
        // An unknown source: exit 1, one line.
        let unknown = try run("matrix", "build", "y", "--from", "magic:1", "--db", db)
        #expect(
            unknown.status == 1 && unknown.out.isEmpty
                && unknown.err.hasPrefix("Error: unknown matrix source 'magic:1'"))
        #expect(unknown.err.filter { $0 == "\n" }.count == 1)
    }
}

struct AuditCommandTests {
    @Test func auditPrintsTextOrJSONAndNeedsTheWholeCustomBaseline() throws {
        let db = try likertStore()
        let r = try run("audit", "cifar10-class-likert", "--db", db)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("submissions: 12 accepted, 0 rejected, 0 not yet checked; 12 annotators"), "\(r.out)")
        #expect(
            r.out.contains(
                "money: 4.80 USD rewards + 0.96 USD platform fees = 5.76 USD; 0.0053 USD per accepted judgment"))
        let j = try run(
            "audit", "cifar10-class-likert", "--json", "--images", "100", "--labels-per-image", "10",
            "--seconds-per-label", "3.6", "--hourly-pay", "10", "--db", db)
        #expect(j.status == 0, "\(j.err)")
        let audits = try #require(try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [[String: Any]])
        #expect(audits.count == 1 && audits[0]["study"] as? String == "cifar10-class-likert")
        let baseline = try #require(audits[0]["baseline"] as? [String: Any])
        // 1,000 labels × 3.6 s = 1 h at 10 USD + 20% fee.
        #expect(baseline["labels"] as? Int == 1000 && abs((baseline["cost"] as? Double ?? 0) - 12) < 1e-9, "\(j.out)")
        let partial = try run("audit", "cifar10-class-likert", "--images", "100", "--db", db)
        #expect(partial.status == 64 && partial.out.isEmpty)
    }
}

enum ClassSetCatalogForTests {
    static func cifar10() throws -> ClassSet {
        try ClassSet.readTSV(repositoryRoot.appendingPathComponent("wordnet/cifar10.tsv"))
    }
}
