public import ExplicableCore
public import Foundation
import LabelStore
import Semantics
public import Training
import WordNet

/// The whole pipeline of `explicable demo` on CIFAR-10: M^h from WordNet (EKL), CIFAR-10H (IHL)
/// and the paper's CHL (or a study); CE vs WLF on CHL; their comparison under CHL and WordNet,
/// in and out of distribution; the cost audit of the CHL design; one HTML report.
///
/// ```swift
/// var options = Demo.Options(out: URL(fileURLWithPath: "explicable-demo"), data: .resolve(nil))
/// options.epochs = 1; options.subset = 500
/// let result = try Demo.run(options, observer: .init(step: { print($0) }))
/// print(result.report.path, result.summary)
/// ```
public enum Demo {
    /// What the demo does; `nil` fields take the defaults (which `full` changes).
    public struct Options: Sendable {
        /// Folder for the runs, the store and the report.
        public var out: URL
        public var data: DataFolder
        /// Whether missing public data may be downloaded.
        public var allowDownload = DataFolder.allowsDownload()
        public var architecture: Architecture = .cnnS
        /// Epochs per model (default 8; 10 with `full`).
        public var epochs: Int?
        /// Stratified training subset (default 8,000; all with `full`).
        public var subset: Int?
        /// Stratified test subset (default: all 10,000).
        public var testSubset: Int?
        /// Test images per corrupted set (default 500; 10,000 with `full`; 0: no OOD).
        public var oodImages: Int?
        public var corruptions: [Corruption] = Corruption.allCases
        /// WLF scale: targets softmax(scale · CHL[y]).
        public var scale = 1.0
        /// A class-pair study in the store to use as CHL instead of the paper's matrix.
        public var study: String?
        /// Benchmark-length runs: all training images, 10 epochs, OOD on all test images.
        public var full = false
        public var seed: UInt64 = 0
        /// The label store (default: `out/explicable.sqlite`).
        public var store: URL?
        /// Bootstrap replicates of the comparisons.
        public var bootstrap = 1000

        public init(out: URL, data: DataFolder) {
            self.out = out
            self.data = data
        }

        var resolvedEpochs: Int { epochs ?? (full ? 10 : 8) }
        var resolvedSubset: Int? { full ? subset : (subset ?? 8_000) }
        var resolvedOODImages: Int { oodImages ?? (full ? 10_000 : 500) }
    }

    /// Callbacks for progress; all optional.
    public struct Observer {
        /// A stage starts (`"training cnn-s with ce on 8000 images, 8 epochs"`).
        public var step: (String) -> Void
        /// After every training batch, with the run's epoch count.
        public var batch: (BatchReport, Int) -> Void
        /// After every epoch: the report, the test metrics under CHL, the run's epoch count.
        public var epoch: (EpochReport, Metrics, Int) -> Void

        public init(
            step: @escaping (String) -> Void = { _ in }, batch: @escaping (BatchReport, Int) -> Void = { _, _ in },
            epoch: @escaping (EpochReport, Metrics, Int) -> Void = { _, _, _ in }
        ) {
            self.step = step
            self.batch = batch
            self.epoch = epoch
        }
    }

    /// Where the report went, and its three-line summary.
    public struct Result: Sendable {
        public var report: URL
        public var summary: [String]
        /// The runs' folders, `ce` then `wlf-chl`.
        public var runs: [RunFolder]
    }

    /// Runs the pipeline.
    ///
    /// - Throws: `ExplicableError` when data are missing (offline) or malformed, `TrainingError`
    ///   when training diverges.
    public static func run(_ options: Options, observer: Observer = Observer()) throws -> Result {
        let started = Date()
        func step(_ text: String) {
            observer.step("[\(String(format: "%4.0f", Date().timeIntervalSince(started))) s] \(text)")
        }
        let folder = options.out
        try RunFolder(folder).create()
        let data = options.data

        // 1. Data.
        step("data folder \(data.url.path)")
        let cifarFolder = data.file(DatasetReader.cifar10Folder)
        if !FileManager.default.fileExists(atPath: cifarFolder.appendingPathComponent("test_batch.bin").path) {
            guard options.allowDownload else {
                throw ExplicableError(
                    .missingData,
                    "CIFAR-10 not found in \(cifarFolder.path) (run 'explicable data fetch cifar10' or pass --data DIR)"
                )
            }
            let bar = ProgressBar(label: "cifar-10-binary.tar.gz")
            _ = try CIFARRelease.cifar10.fetch(into: data, progress: { bar.update($0, $1) })
            bar.finish()
        }
        let lmf = try OpenEnglishWordNet.locateOrFetch(
            lmf: nil, data: data, allowDownload: options.allowDownload, notice: observer.step)
        _ = try PublishedData.cifar10hCounts.locateOrFetch(data: data, allowDownload: options.allowDownload)
        _ = try PublishedData.paperCHL.locateOrFetch(data: data, allowDownload: options.allowDownload)

        // 2. M^h: EKL, IHL, CHL.
        let store = try LabelStore(path: (options.store ?? folder.appendingPathComponent("explicable.sqlite")).path)
        let cifar10 = try ClassSetCatalog.load("cifar10")
        let builder = MatrixBuilder(
            store: store, data: data, taxonomy: MatrixBuilder.cachedTaxonomy(lmf: { () throws(ExplicableError) in lmf })
        )
        step("building EKL (WordNet path), IHL (CIFAR-10H) and CHL")
        let ekl = try builder.matrix(named: "wordnet:path", over: cifar10)
        let ihl = try builder.matrix(named: "cifar10h", over: cifar10)
        let chl = try builder.matrix(named: options.study.map { "likert:\($0)" } ?? "chl", over: cifar10)
        for (name, m) in [("ekl", ekl), ("ihl", ihl), ("chl", chl)] {
            try store.saveMatrix(StoredMatrix(name: name, matrix: m), replace: true)
        }

        // 3. Train CE and WLF on CHL.
        let epochs = options.resolvedEpochs, seed = options.seed
        let fullTraining = try DatasetReader.cifar10(folder: cifarFolder, split: .train)
        let training =
            try options.resolvedSubset.map { n throws(ExplicableError) in
                try fullTraining.stratifiedSubset(n, seed: seed)
            }
            ?? fullTraining
        let fullTest = try DatasetReader.cifar10(folder: cifarFolder, split: .test)
        let test =
            try options.testSubset.map { n throws(ExplicableError) in try fullTest.stratifiedSubset(n, seed: seed &+ 1)
            }
            ?? fullTest
        let chlEval = try EvaluationMatrix(chl, classes: training.classes)
        let runs: [(name: String, loss: Loss, matrix: String?)] = [
            ("ce", .crossEntropy(classCount: 10), nil),
            ("wlf-chl", try .weighted(similarity: chl, scale: options.scale, classes: training.classes), "chl"),
        ]
        var runFolders: [RunFolder] = []
        for run in runs {
            let runFolder = RunFolder(folder.appendingPathComponent("runs/\(run.name)"))
            try runFolder.recreate()
            var config = TrainingConfiguration(
                architecture: options.architecture, loss: run.loss, lossMatrix: run.matrix, epochs: epochs, seed: seed,
                training: training)
            config.subset = options.resolvedSubset
            config.testSubset = options.testSubset
            config.evaluationMatrix = "chl"
            config.threshold = 2
            config.decoding = .argmax
            let trainer = try Trainer(configuration: config, training: training)
            step(
                "training \(options.architecture.rawValue) with \(run.name) on \(training.count) images, \(epochs) epochs"
            )
            var session = try TrainingSession(
                trainer: trainer, test: test, matrix: chlEval, threshold: 2, decoding: .argmax, folder: runFolder)
            session.extraMetrics = ["eval_matrix": "chl"]
            try session.run(
                onBatch: { observer.batch($0, epochs) }, onEpoch: { observer.epoch($0, $1, epochs) })
            runFolders.append(runFolder)
        }

        // 4. Compare (under CHL, in and out of distribution, and under WordNet), audit, report.
        let compared = try runFolders.map { r throws(ExplicableError) in try ComparedRun.read(r.url) }
        let models = compared.map { ComparedModel(name: $0.name, runs: [$0]) }
        let oodCount = options.resolvedOODImages
        var ood: OODRequest?
        if oodCount > 0 {
            step(
                "out of distribution: \(options.corruptions.count) corruptions × 5 severities × "
                    + "\(min(oodCount, test.count)) images")
            ood = OODRequest(
                test: fullTest, corruptions: options.corruptions, images: oodCount, seed: seed,
                sets: try OODSet.readAll(in: data.file("ood"), classes: cifar10))
        }
        var underCHL = try Experiment.compare(
            models, matrix: chlEval, threshold: 2, bootstrap: options.bootstrap, seed: seed, ood: ood)
        underCHL.matrix = "CHL"
        let eklEval = try EvaluationMatrix(ekl, classes: training.classes)
        let eklThreshold = ekl.medianOffDiagonal
        var underEKL = try Experiment.compare(
            models, matrix: eklEval, threshold: eklThreshold, bootstrap: options.bootstrap, seed: seed, ood: nil)
        underEKL.matrix = "EKL (WordNet path)"

        let spec = try StudySpec.load(
            try RepositoryFolder.locate("cifar10-class-likert.json", in: "studies")
                .appendingPathComponent("cifar10-class-likert.json")
        ).spec
        let judgments = 90 * spec.ratingsPerItem
        let design = LabelCostAudit.planned(
            study: "the paper's CHL design", judgments: judgments,
            assignments: Int((Double(judgments) / Double(spec.itemsPerAssignment)).rounded(.up)),
            pay: StudyPay(spec: spec))
        var reportBuilder = ReportBuilder(
            title: "explicable demo: CE vs WLF on CIFAR-10 (\(options.architecture.rawValue))")
        reportBuilder.matrices = [("CHL", chl), ("IHL (CIFAR-10H)", ihl), ("EKL (WordNet path)", ekl)]
        reportBuilder.runs = try zip(compared, runFolders).map { pair throws(ExplicableError) in
            (pair.0, try pair.1.readHistory())
        }
        reportBuilder.comparisons = [underCHL, underEKL]
        reportBuilder.audits = [design]
        var report = try reportBuilder.build()
        report.summary = summary(underCHL, underEKL, audit: design)
        report.notes += [
            "Data: CIFAR-10 from \(cifarFolder.path); \(training.count) training images (stratified, seed \(seed)), "
                + "\(test.count) test images; \(options.architecture.rawValue), \(epochs) epochs, batch 128, SGD "
                + "momentum 0.9 Nesterov, one-cycle learning rate 0.05, weight decay 5e-4, crop+flip.",
            "WLF targets softmax(\(options.scale) · CHL[y]); CHL is "
                + (options.study.map { "study '\($0)' in the store" }
                    ?? "the paper's published matrix (46 raters per pair)") + ".",
            "Mistake severity is the mean CHL distance (4 − rating) of the mistakes; a mistake is explicable when "
                + "its CHL rating is at least 2, the Likert midpoint. Under EKL, distance is 1 − path similarity "
                + String(
                    format: "and a mistake is explicable when its path similarity is at least %.3f, ", eklThreshold)
                + "the median of the off-diagonal cells.",
            "Run time: \(String(format: "%.0f", Date().timeIntervalSince(started))) s on "
                + "\(ProcessInfo.processInfo.activeProcessorCount) cores.",
        ]
        let reportURL = folder.appendingPathComponent("report.html")
        try report.write(to: reportURL, templates: try RepositoryFolder.locate("report.mustache", in: "templates"))
        return Result(report: reportURL, summary: report.summary, runs: runFolders)
    }

    /// The three-line summary: accuracy, explicability (in distribution, and OOD when run), cost.
    public static func summary(_ chl: ModelComparison, _ ekl: ModelComparison, audit a: LabelCostAudit) -> [String] {
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", 100 * $0) } ?? "n/a" }
        func num(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "n/a" }
        var lines: [String] = []
        lines.append(
            "Accuracy: " + chl.models.map { "\($0.name) \(pct($0.top1.value))" }.joined(separator: ", ")
                + (chl.models.count > 1
                    ? " (Δ \(pct(chl.models[1].top1Difference?.value)), 95% CI "
                        + "\(pct(chl.models[1].top1Difference?.lower)) … \(pct(chl.models[1].top1Difference?.upper)))"
                    : "") + ".")
        var explicability =
            "Mistakes under CHL: "
            + chl.models.map {
                "\($0.name) severity \(num($0.mistakeSeverity.value)), explicable \(pct($0.explicableMistakeRate.value))"
            }.joined(separator: "; ")
        if chl.models.count > 1, let d = chl.models[1].severityDifference, let p = d.p {
            explicability +=
                p > 0 ? String(format: " (severity p = %.3g)", p) : " (severity p < \(1.0 / Double(d.replicates)))"
        }
        explicability +=
            "; under WordNet: "
            + ekl.models.map { "\($0.name) \(num($0.mistakeSeverity.value))" }.joined(separator: ", ")
        if let ood = chl.ood, !ood.meanOverCorruptions.isEmpty {
            explicability +=
                "; OOD severity "
                + zip(chl.models, ood.meanOverCorruptions).map { "\($0.name) \(num($1.mistakeSeverity))" }
                .joined(separator: ", ")
        }
        lines.append(explicability + ".")
        lines.append(
            String(
                format: "Labels: the CHL design needs %d judgments (%.2f %@) where CIFAR-10H took %d labels "
                    + "(%.0f %@): %.1f%% fewer labels, %.1f%% less money.", a.judgmentsAccepted, a.total, a.currency,
                a.baseline.labels, a.baseline.cost, a.baseline.currency, a.savings.labelsPercent,
                a.savings.moneyPercent))
        return lines
    }
}

extension ClassMatrix {
    /// The median of the off-diagonal cells (0 for a 1×1 matrix).
    public var medianOffDiagonal: Double {
        var cells: [Double] = []
        for i in 0..<count { for j in 0..<count where i != j { cells.append(self[i, j]) } }
        cells.sort()
        guard !cells.isEmpty else { return 0 }
        return cells.count % 2 == 1 ? cells[cells.count / 2] : (cells[cells.count / 2 - 1] + cells[cells.count / 2]) / 2
    }
}
