import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import Testing
import TestSupport
import Training
import WordNet
import Audit

// What `matrix build/compare/show/list/reliability`, `audit` and `matrix export --torch` compute,
// checked on the library calls the commands make (moved here from explicableTests/MatrixCommandTests,
// which keeps only the CLI: arguments, exit codes, the stdout/stderr split and the output format).
// They live here because only this target sees Studies, Semantics, Training and Audit together.

/// The name of the study `likertStudyStore()` holds.
let likertStudyName = "cifar10-class-likert"

/// A store (a fresh SQLite file) holding the CIFAR-10 Likert study with 12 simulated annotators
/// who rate every directed pair near the paper's published CHL (±1, clipped to 0…4), QC'd: what
/// `study create`, `study import --format long` and `study qc` do.
func likertStudyStore() throws -> (store: LabelStore, path: String) {
    let path = try temporaryFolder().appendingPathComponent("m.sqlite").path
    let store = try LabelStore(path: path)
    let specURL = repositoryRoot.appendingPathComponent("studies/\(likertStudyName).json")
    let (spec, json) = try StudySpec.load(specURL)
    let classes = try ClassSetCatalog.load(
        spec.classSet, relativeTo: specURL.deletingLastPathComponent(),
        environment: ["EXPLICABLE_HOME": repositoryRoot.path])
    try Study.create(spec: spec, specJSON: json, classes: classes, in: store)
    let chl = try NPYArray.read(requireSharedData("paper/cifar10_CHL_cmat.npy")).doubles
    let labels = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    let csv = noisyCHLRatingsCSV(chl: chl, labels: labels)
    let file = try temporaryFolder().appendingPathComponent("ratings.csv")
    try Data(csv.utf8).write(to: file)
    let study = try Study.named(likertStudyName, in: store)
    let imported = try Importer(study: study, store: store).run(file, options: ImportOptions(format: .long))
    #expect(imported.rowsRead == 1080 && imported.rowsAccepted == 1080 && imported.rowsRejected == 0)
    let rows = try QualityControl(study: study, store: store).run()
    #expect(rows.count == 12 && rows.filter { $0.status == .accepted }.count == 12, "\(rows)")
    return (store, path)
}

/// The paper's CIFAR-10 CHL matrix, as `matrix import paper-chl FILE --classes cifar10` reads it.
func papersCHL() throws -> ClassMatrix {
    try MatrixFile.read(
        requireSharedData("paper/cifar10_CHL_cmat.npy"),
        classes: ClassSet.readTSV(builtInClassSetURL("cifar10")), kind: .similarity)
}

/// The builder the commands use, without WordNet (these sources never need it).
func builder(_ store: LabelStore?) -> MatrixBuilder {
    MatrixBuilder(
        store: store, data: DataFolder(url: sharedData),
        taxonomy: { () throws(ExplicableError) -> Taxonomy in throw ExplicableError(.missingData, "no WordNet here") })
}

struct LikertStudyMatrixTests {
    @Test func buildsCHLFromTheStoreComparesItWithThePapersAndShowsIntervals() throws {
        let (store, _) = try likertStudyStore()
        var options = MatrixBuilder.Options()
        options.bootstrap = 200
        let built = try builder(store).build([(.likert(study: likertStudyName), 1)], options: options)
        let m = built.matrix
        #expect(m.kind == .similarity && m.classes.name == "cifar10" && m.count == 10)
        let provenance = Merge.describe(m.provenance)
        #expect(
            provenance.contains("study=cifar10-class-likert") && provenance.contains("annotators=12"), "\(provenance)")
        let stored = StoredMatrix(name: "chl", matrix: m, lower: built.lower, upper: built.upper, counts: built.counts)
        try store.saveMatrix(stored)
        try store.saveMatrix(StoredMatrix(name: "paper-chl", matrix: try papersCHL()))
        // matrix compare chl paper-chl
        let c = try MatrixComparison(try store.matrix(named: "chl").matrix, try store.matrix(named: "paper-chl").matrix)
        #expect(c.cellCount == 90)
        #expect(c.pearson > 0.9 && c.spearman > 0.6, "\(c.pearson) \(c.spearman) \(c.kendallTauB)")
        // matrix show chl --ci: the diagonal cell and its interval.
        let back = try store.matrix(named: "chl")
        let lower = try #require(back.lower), upper = try #require(back.upper)
        #expect(String(format: "%.2f [%.2f, %.2f]", back.matrix.values[0], lower[0], upper[0]) == "4.00 [4.00, 4.00]")
        // matrix list
        let summaries = try store.matrixSummaries()
        #expect(summaries.map(\.name) == ["chl", "paper-chl"])
        #expect(summaries[0].source.contains("likert"), "\(summaries[0].source)")
        // The same inputs give the same hash (intervals are not part of it).
        let again = try builder(store).build([(.likert(study: likertStudyName), 1)], options: MatrixBuilder.Options())
        #expect(StoredMatrix(name: "chl2", matrix: again.matrix).contentHash == stored.contentHash)
        // matrix reliability --draws 10 --splits 20
        let study = try store.study(named: likertStudyName)
        let ratings = try LikertRatings.load(
            studyId: study.record.id!, study: likertStudyName, classes: study.classes,
            scale: try study.spec().scaleRange, from: store)
        let report = StudyReliability.compute(ratings, splits: 20, draws: 10, seed: 1)
        #expect(report.splitHalf.mean > 0.8, "\(report.splitHalf)")
        #expect(report.curve.points.count == 11)  // k = 2…12
    }

    @Test func aStudyThatIsNotThereIsNamed() throws {
        let store = try LabelStore(path: try temporaryFolder().appendingPathComponent("m.sqlite").path)
        do {
            _ = try builder(store).build([(.likert(study: "nope"), 1)], options: MatrixBuilder.Options())
            Issue.record("a missing study was accepted")
        } catch {
            #expect(error.message.contains("no study named 'nope'") && !error.isMalformedInput, "\(error)")
        }
    }
}

struct LikertStudyAuditTests {
    func audit(_ store: LabelStore, baseline: InstanceLabellingBaseline? = nil) throws -> LabelCostAudit {
        let study = try store.study(named: likertStudyName)
        let spec = try study.spec()
        let sufficiency = try LabelCostAudit.raterSufficiency(of: study, store: store, seed: 1)
        return try LabelCostAudit.audit(
            study: likertStudyName, studyId: study.record.id!,
            pay: StudyPay(spec: spec, assignmentsPerHIT: 1, prolificFeeRate: 1.0 / 3.0), store: store,
            baseline: baseline ?? .cifar10H, curve: sufficiency?.curve, ratersPerPair: sufficiency?.ratersPerPair,
            target: 0.9)
    }

    @Test func auditsALikertStudyAgainstCIFAR10H() throws {
        let (store, _) = try likertStudyStore()
        let text = try audit(store).text
        #expect(text.contains("submissions: 12 accepted, 0 rejected, 0 not yet checked; 12 annotators"), "\(text)")
        #expect(text.contains("judgments: 1080 accepted"))
        // 12 assignments × 0.40 USD + MTurk's 20%.
        #expect(
            text.contains(
                "money: 4.80 USD rewards + 0.96 USD platform fees = 5.76 USD; 0.0053 USD per accepted judgment"))
        #expect(text.contains("labels: 1080 vs 511000 — 509920 fewer (99.8%)"))
        #expect(text.contains("money:  5.76 vs 4599.00 USD — 4593.24 less (99.9%)"))
        #expect(text.contains("raters per pair"), "\(text)")
        // A custom baseline: 1,000 labels × 3.6 s = 1 h at 10 USD + 20% fee.
        let custom = try audit(
            store,
            baseline: .custom(
                name: "instance labels", images: 100, labelsPerImage: 10,
                secondsPerLabel: 3.6, hourlyPay: 10,
                currency: try store.study(named: likertStudyName).spec().pay.currency))
        #expect(custom.baseline.labels == 1000 && isClose(custom.baseline.cost, 12), "\(custom.baseline)")
    }
}

struct TorchExportTests {
    /// The Python loss module of `matrix export --torch` builds the same targets as the Swift
    /// trainer (NumPy only, to 1e-6).
    @Test func pythonTargetsEqualTheTrainersTargets() throws {
        let chl = try papersCHL()
        let folder = try temporaryFolder().appendingPathComponent("torch")
        let written = try TorchExport.write(
            chl, to: folder,
            templates: repositoryRoot.appendingPathComponent("templates/pytorch"))
        #expect(
            written.map(\.lastPathComponent).sorted()
                == [
                    "classes.txt", "distance.npy", "explicable_data.py", "explicable_loss.py", "matrix.json",
                    "similarity.npy", "train_ddp.py",
                ])
        for file in [
            "similarity.npy", "distance.npy", "classes.txt", "matrix.json", "explicable_loss.py", "train_ddp.py",
        ] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
        let script = """
            import sys, numpy as np
            sys.path.insert(0, sys.argv[1])
            import explicable_loss as L
            s, d, classes = L.load_export(sys.argv[1])
            assert classes[3] == "cat", classes
            np.save(sys.argv[1] + "/wlf-2.npy", L.wlf_targets(s, scale=2.0))
            np.save(sys.argv[1] + "/soft-4.npy", L.soft_label_targets(d, beta=4.0))
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, folder.path]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "python3 with NumPy must run the exported module")
        let classes = chl.classes
        let distance = ClassMatrix(
            classes: classes, kind: .distance, values: chl.values.map { 4 - $0 },
            provenance: .init(source: "paper"))
        let wlf = try Loss.weighted(similarity: chl, scale: 2, classes: classes).targets
        let soft = try Loss.softLabels(distance: distance, beta: 4, classes: classes).targets
        let pyWLF = try NPYArray.read(folder.appendingPathComponent("wlf-2.npy")).doubles
        let pySoft = try NPYArray.read(folder.appendingPathComponent("soft-4.npy")).doubles
        #expect(pyWLF.count == 100 && pySoft.count == 100)
        #expect(zip(wlf, pyWLF).map { abs(Double($0) - $1) }.max()! < 1e-6)
        #expect(zip(soft, pySoft).map { abs(Double($0) - $1) }.max()! < 1e-6)
    }
}
