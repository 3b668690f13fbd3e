import ExplicableCore
import TestSupport
import Training
import Foundation
import Testing

struct MatrixCommandTests {
    /// A store holding the CIFAR-10 Likert study with 12 simulated annotators who rate every
    /// directed pair near the paper's published CHL (±1, clipped to 0…4), QC'd.
    func likertStore() throws -> (db: String, data: String) {
        let data = try dataFolder()
        let db = try temporaryFolder().appendingPathComponent("m.sqlite").path
        _ = try run("study", "create", repositoryRoot.appendingPathComponent("studies/cifar10-class-likert.json").path, "--db", db)
        let chl = try NPYArray.read(URL(fileURLWithPath: data + "/paper/cifar10_CHL_cmat.npy")).doubles
        let labels = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        var generator = SeededGenerator(seed: 11)
        var csv = "annotator,class_a,class_b,value\n"
        for annotator in 0..<12 {
            for a in 0..<10 {
                for b in 0..<10 where a != b {
                    let noise = [-1.0, 0, 0, 1][Int.random(in: 0..<4, using: &generator)]
                    let v = min(4, max(0, (chl[a * 10 + b] + noise).rounded()))
                    csv += "w\(annotator),\(labels[a]),\(labels[b]),\(Int(v))\n"
                }
            }
        }
        let file = try temporaryFolder().appendingPathComponent("ratings.csv")
        try Data(csv.utf8).write(to: file)
        let imported = try run("study", "import", "cifar10-class-likert", file.path, "--format", "long", "--db", db)
        #expect(imported.status == 0, "\(imported.err)")
        let qc = try run("study", "qc", "cifar10-class-likert", "--db", db)
        #expect(qc.out.hasSuffix("12 accepted, 0 rejected of 12 submissions\n"), "\(qc.out)")
        return (db, data)
    }

    @Test func buildsCHLFromTheStoreComparesItWithThePapersAndShowsIntervals() throws {
        let (db, data) = try likertStore()
        let build = try run("matrix", "build", "chl", "--from", "likert:cifar10-class-likert", "--bootstrap", "200", "--db", db)
        #expect(build.status == 0, "\(build.err)")
        #expect(build.out.hasPrefix("stored 'chl': similarity, cifar10 (10 classes), hash "))
        #expect(build.out.contains("study=cifar10-class-likert") && build.out.contains("annotators=12"))
        let imported = try run("matrix", "import", "paper-chl", data + "/paper/cifar10_CHL_cmat.npy", "--classes", "cifar10",
            "--db", db)
        #expect(imported.status == 0 && imported.out.hasPrefix("stored 'paper-chl': similarity, cifar10"), "\(imported.err)")
        let compare = try run("matrix", "compare", "chl", "paper-chl", "--json", "--db", db)
        let c = try JSONSerialization.jsonObject(with: Data(compare.out.utf8)) as! [String: Any]
        #expect(c["cells"] as? Int == 90)
        #expect((c["pearson"] as? Double ?? 0) > 0.9 && (c["spearman"] as? Double ?? 0) > 0.6, "\(c["pearson"] ?? 0) \(c["spearman"] ?? 0) \(c["kendallTauB"] ?? 0)")
        let show = try run("matrix", "show", "chl", "--ci", "--db", db)
        #expect(show.status == 0 && show.out.contains("4.00 [4.00, 4.00]"), "\(show.out)")
        let list = try run("matrix", "list", "--db", db)
        #expect(list.out.contains("chl ") && list.out.contains("paper-chl") && list.out.contains("likert"))
        // The same inputs give the same hash.
        let again = try run("matrix", "build", "chl2", "--from", "likert:cifar10-class-likert", "--db", db)
        #expect(String(again.out.prefix(while: { $0 != "\n" }).suffix(12)) == String(build.out.prefix(while: { $0 != "\n" }).suffix(12)))
        let reliability = try run("matrix", "reliability", "cifar10-class-likert", "--draws", "10", "--splits", "20", "--json",
            "--db", db)
        let r = try JSONSerialization.jsonObject(with: Data(reliability.out.utf8)) as! [String: Any]
        #expect(((r["splitHalf"] as? [String: Any])?["mean"] as? Double ?? 0) > 0.8, "\(reliability.out)")
        #expect((r["curve"] as? [Any])?.count == 11)  // k = 2…12
    }

    @Test func buildsIHLFromCIFAR10HAndEKLAndMergesThem() throws {
        let data = try dataFolder()
        let db = try temporaryFolder().appendingPathComponent("m.sqlite").path
        let ihl = try run("matrix", "build", "ihl", "--from", "cifar10h", "--data", data, "--db", db)
        #expect(ihl.status == 0 && ihl.out.contains("instance-labels") && ihl.out.contains("labels=511000"), "\(ihl.err)")
        _ = try run("matrix", "import", "paper-chl", data + "/paper/cifar10_CHL_cmat.npy", "--classes", "cifar10", "--db", db)
        let merged = try run("matrix", "build", "mix", "--from", "matrix:paper-chl", "--from", "matrix:ihl", "--weight", "3",
            "--weight", "1", "--db", db)
        #expect(merged.status == 0 && merged.out.contains("source: merge") == false && merged.out.contains("merge ("), "\(merged.out) \(merged.err)")
        let folder = try temporaryFolder()
        let export = try run("matrix", "export", "mix", "-o", folder.appendingPathComponent("mix.csv").path, "--svg",
            folder.appendingPathComponent("mix.svg").path, "--db", db)
        #expect(export.status == 0, "\(export.err)")
        let csv = try String(contentsOf: folder.appendingPathComponent("mix.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("class,airplane,automobile,bird,"))
        let svg = try String(contentsOf: folder.appendingPathComponent("mix.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains(">truck</text>"))
        let targets = try run("matrix", "export", "mix", "-o", folder.appendingPathComponent("t.npy").path, "--normalise", "softmax:1",
            "--db", db)
        #expect(targets.status == 0)
        let t = try NPYArray.read(folder.appendingPathComponent("t.npy")).doubles
        #expect(abs(t[0..<10].reduce(0, +) - 1) < 1e-12)
    }

    @Test func wordnetSourceAndBadInputs() throws {
        let db = try temporaryFolder().appendingPathComponent("m.sqlite").path
        let ekl = try run("matrix", "build", "ekl", "--from", "wordnet:path", "--classes", fixture("mini-classes.tsv"), "--lmf",
            fixture("mini.xml"), "--db", db)
        #expect(ekl.status == 0 && ekl.out.contains("similarity"), "\(ekl.err)")
        // A matrix with NaN is refused with one line, exit 2, nothing stored.
        let folder = try temporaryFolder()
        let bad = folder.appendingPathComponent("bad.csv")
        try Data("class,dog,cat,Rex,companion\ndog,1,0,0,0\ncat,0,1,nan,0\nRex,0,0,1,0\ncompanion,0,0,0,1\n".utf8).write(to: bad)
        let r = try run("matrix", "import", "bad", bad.path, "--classes", fixture("mini-classes.tsv"), "--db", db)
        #expect(r.status == 2 && r.err.hasPrefix("Error: \(bad.path): cell (cat, Rex) is nan"), "\(r.err)")
        #expect(r.err.filter { $0 == "\n" }.count == 1)
        #expect(try run("matrix", "list", "--db", db).out.contains("bad") == false)
        // Sources over different class sets do not merge.
        let data = try dataFolder()
        _ = try run("matrix", "import", "paper-chl", data + "/paper/cifar10_CHL_cmat.npy", "--classes", "cifar10", "--db", db)
        let mixed = try run("matrix", "build", "x", "--from", "matrix:paper-chl", "--from", "matrix:ekl", "--db", db)
        #expect(mixed.status == 2 && mixed.err.contains("differ in class set"), "\(mixed.err)")
        let noStudy = try run("matrix", "build", "y", "--from", "likert:nope", "--db", db)
        #expect(noStudy.status == 1 && noStudy.err.contains("no study named 'nope'"))
        let unknown = try run("matrix", "build", "y", "--from", "magic:1", "--db", db)
        #expect(unknown.status == 1 && unknown.err.contains("unknown matrix source 'magic:1'"))
    }
}

struct AuditCommandTests {
    @Test func auditsALikertStudyAgainstCIFAR10H() throws {
        let (db, _) = try MatrixCommandTests().likertStore()
        let r = try run("audit", "cifar10-class-likert", "--db", db)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("submissions: 12 accepted, 0 rejected, 0 not yet checked; 12 annotators"), "\(r.out)")
        #expect(r.out.contains("judgments: 1080 accepted"))
        // 12 assignments × 0.40 USD + MTurk's 20%.
        #expect(r.out.contains("money: 4.80 USD rewards + 0.96 USD platform fees = 5.76 USD; 0.0053 USD per accepted judgment"))
        #expect(r.out.contains("labels: 1080 vs 511000 — 509920 fewer (99.8%)"))
        #expect(r.out.contains("money:  5.76 vs 4599.00 USD — 4593.24 less (99.9%)"))
        #expect(r.out.contains("raters per pair"), "\(r.out)")
        let j = try run("audit", "cifar10-class-likert", "--json", "--images", "100", "--labels-per-image", "10",
            "--seconds-per-label", "3.6", "--hourly-pay", "10", "--db", db)
        let audits = try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as! [[String: Any]]
        let baseline = audits[0]["baseline"] as! [String: Any]
        // 1,000 labels × 3.6 s = 1 h at 10 USD + 20% fee.
        #expect(baseline["labels"] as? Int == 1000 && abs((baseline["cost"] as? Double ?? 0) - 12) < 1e-9, "\(j.out)")
        let partial = try run("audit", "cifar10-class-likert", "--images", "100", "--db", db)
        #expect(partial.status == 64)
    }
}

enum ClassSetCatalogForTests {
    static func cifar10() throws -> ClassSet {
        try ClassSet.readTSV(repositoryRoot.appendingPathComponent("wordnet/cifar10.tsv"))
    }
}
