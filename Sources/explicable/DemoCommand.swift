import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import Training
import WordNet

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The whole pipeline on CIFAR-10: M^h from WordNet, CIFAR-10H and the paper's CHL; CE vs WLF; the report.",
        discussion: """
            Builds EKL (WordNet path), IHL (CIFAR-10H counts) and CHL (the paper's published matrix, or your own \
            class-pair study with --study), trains the model with cross-entropy and with the Weighted Loss Function \
            on CHL, compares their mistakes (under CHL and WordNet, in and out of distribution), audits what the CHL \
            design costs against CIFAR-10H, and writes OUT/report.html. Missing public data is downloaded into the \
            data folder. The defaults take about 10 minutes on 2 cores; --full trains on all 50,000 images for 10 \
            epochs, as the benchmarks do.
            """)

    @Option(help: ArgumentHelp("Folder for the runs, the store and the report.", valueName: "dir"))
    var out = "explicable-demo"

    @Option(help: "cnn-s or resnet20.")
    var arch: Architecture = .cnnS

    @Option(help: "Epochs per model (default 8; 10 with --full).")
    var epochs: Int?

    @Option(help: ArgumentHelp("Stratified training subset (default 8,000 images; all with --full).", valueName: "n"))
    var subset: Int?

    @Option(help: ArgumentHelp("Stratified test subset (default: all 10,000).", valueName: "n"))
    var testSubset: Int?

    @Option(help: ArgumentHelp("Test images per corrupted set (default 500; 10,000 with --full; 0: no OOD).", valueName: "n"))
    var oodImages: Int?

    @Option(help: ArgumentHelp("Corruptions for OOD, comma-separated (default: all 8).", valueName: "list"))
    var corruptions: String?

    @Option(help: "WLF scale: targets softmax(scale · CHL[y]).")
    var scale = 1.0

    @Option(help: ArgumentHelp("Your own class-pair study in --db to use as CHL instead of the paper's.", valueName: "study"))
    var study: String?

    @Flag(help: "Benchmark-length runs: all training images, 10 epochs, OOD on all test images.")
    var full = false

    @Option(help: "Seed of subsets, initialisation, augmentation and bootstraps.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Data folder (default: $EXPLICABLE_DATA, else ~/.cache/explicable).", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("Label store (default: OUT/explicable.sqlite).", valueName: "path"))
    var db: String?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be ≥ 1") }
        if let subset, subset < 10 { throw ValidationError("--subset must be ≥ 10") }
        if let oodImages, oodImages < 0 { throw ValidationError("--ood-images must be ≥ 0") }
        if arch == .mlp { throw ValidationError("the demo trains an image model: cnn-s or resnet20") }
        if let corruptions {
            for name in corruptions.split(separator: ",") where Corruption(rawValue: String(name)) == nil {
                throw ValidationError("unknown corruption '\(name)' (expected \(Corruption.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
    }

    func run() throws {
        try reportingTrainingErrors {
            let started = Date()
            let folder = URL(fileURLWithPath: out)
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw ExplicableError(.io, "cannot create folder: \(error.localizedDescription)", file: folder.path)
            }
            let dataFolder = DataFolder.resolve(data)
            let online = ProcessInfo.processInfo.environment["EXPLICABLE_OFFLINE"] != "1"
            func step(_ text: String) { printError("[\(String(format: "%4.0f", Date().timeIntervalSince(started))) s] \(text)") }

            // 1. Data.
            step("data folder \(dataFolder.url.path)")
            let cifarFolder = dataFolder.file(DatasetReader.cifar10Folder)
            if !FileManager.default.fileExists(atPath: cifarFolder.appendingPathComponent("test_batch.bin").path) {
                guard online else {
                    throw ExplicableError(.missingData,
                        "CIFAR-10 not found in \(cifarFolder.path) (run 'explicable data fetch cifar10' or pass --data DIR)")
                }
                let bar = ProgressBar(label: "cifar-10-binary.tar.gz")
                _ = try CIFARRelease.cifar10.fetch(into: dataFolder, progress: { bar.update($0, $1) })
                bar.finish()
            }
            let lmf = try OpenEnglishWordNet.locateOrFetch(lmf: nil, data: dataFolder, allowDownload: online,
                notice: { printError($0) })
            _ = try PublishedData.cifar10hCounts.locateOrFetch(data: dataFolder, allowDownload: online)
            let chlFile = try PublishedData.paperCHL.locateOrFetch(data: dataFolder, allowDownload: online)

            // 2. M^h: EKL, IHL, CHL.
            let store = try LabelStore(path: db ?? folder.appendingPathComponent("explicable.sqlite").path)
            let cifar10 = try ClassSetCatalog.load("cifar10")
            var loadedTaxonomy: Taxonomy?
            let builder = MatrixBuilder(store: store, data: dataFolder, studyScale: scaleOf,
                taxonomy: { () throws(ExplicableError) -> Taxonomy in
                    if let loadedTaxonomy { return loadedTaxonomy }
                    let t = Taxonomy(try LMFReader.read(lmf))
                    loadedTaxonomy = t
                    return t
                })
            var options = MatrixBuilder.Options()
            options.classes = cifar10
            step("building EKL (WordNet path), IHL (CIFAR-10H) and CHL")
            let ekl = try builder.build([(.wordnet(.path), 1)], options: options).matrix
            let ihl = try builder.build([(.cifar10h, 1)], options: options).matrix
            let chlSource: MatrixSource = study.map { .likert(study: $0) } ?? .file(path: chlFile.path)
            let chl = try builder.build([(chlSource, 1)], options: options).matrix
            for (name, m) in [("ekl", ekl), ("ihl", ihl), ("chl", chl)] {
                try store.saveMatrix(StoredMatrix(name: name, matrix: m), replace: true)
            }

            // 3. Train CE and WLF on CHL.
            let epochs = self.epochs ?? (full ? 10 : 8)
            let subset = full ? self.subset : (self.subset ?? 8_000)
            let fullTraining = try DatasetReader.cifar10(folder: cifarFolder, split: .train)
            let training = try subset.map { n throws(ExplicableError) in try fullTraining.stratifiedSubset(n, seed: seed) }
                ?? fullTraining
            let fullTest = try DatasetReader.cifar10(folder: cifarFolder, split: .test)
            let test = try testSubset.map { n throws(ExplicableError) in try fullTest.stratifiedSubset(n, seed: seed &+ 1) }
                ?? fullTest
            let chlEval = try EvaluationMatrix(chl, classes: training.classes)
            let runs: [(name: String, loss: Loss, matrix: String?)] = [
                ("ce", .crossEntropy(classCount: 10), nil),
                ("wlf-chl", try .weighted(similarity: chl, scale: scale, classes: training.classes), "chl"),
            ]
            var results: [DemoRun] = []
            for run in runs {
                let runFolder = folder.appendingPathComponent("runs/\(run.name)")
                try? FileManager.default.removeItem(at: runFolder)
                do { try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true) } catch {
                    throw ExplicableError(.io, "cannot create folder: \(error.localizedDescription)", file: runFolder.path)
                }
                let config = TrainingConfiguration(architecture: arch, loss: run.loss, lossMatrix: run.matrix, epochs: epochs,
                    seed: seed, training: training)
                let trainer = try Trainer(configuration: config, training: training)
                step("training \(arch.rawValue) with \(run.name) on \(training.count) images, \(epochs) epochs")
                let progress = TrainingProgress()
                var history: [(epoch: Int, loss: Double, testTop1: Double)] = []
                try trainer.run(checkpointURL: runFolder.appendingPathComponent("checkpoint.ckpt"),
                    onBatch: { progress.update($0, epochs: epochs) },
                    onEpoch: { report in
                        progress.endLine()
                        let m = evaluate(model: trainer.model, test: test, normalization: config.normalization,
                            matrix: chlEval, threshold: 2, decoding: .argmax).metrics
                        history.append((report.epoch, report.trainLoss, m.top1))
                        let line = jsonLine(["epoch": report.epoch, "step": report.step, "train_loss": report.trainLoss,
                            "train_accuracy": report.trainAccuracy, "learning_rate": report.learningRate,
                            "seconds": report.seconds, "samples_per_second": report.samplesPerSecond,
                            "test": metricsObject(m)])
                        try appendLine(line, to: runFolder.appendingPathComponent("history.jsonl"))
                        printError(String(format: "  epoch %d/%d  loss %.4f  test ", report.epoch, epochs, report.trainLoss)
                            + metricsSummary(m))
                    })
                progress.endLine()
                let final = evaluate(model: trainer.model, test: test, normalization: config.normalization, matrix: chlEval,
                    threshold: 2, decoding: .argmax)
                try writeEvaluation(to: runFolder, predictions: final.predictions, probabilities: final.probabilities,
                    test: test, metrics: final.metrics, extra: ["decode": "argmax", "eval_matrix": "chl"])
                results.append(DemoRun(name: run.name, folder: runFolder, metrics: final.metrics, history: history))
            }

            // 4. Compare (under CHL, in and out of distribution, and under WordNet), audit, report.
            let compared = try results.map { r throws(ExplicableError) in try ComparedRun.read(r.folder) }
            let bootstrap = 1000
            var underCHL = try ModelComparison.compare(runs: compared, matrix: chlEval, threshold: 2, bootstrap: bootstrap,
                seed: seed)
            underCHL.matrix = "CHL"
            let eklEval = try EvaluationMatrix(ekl, classes: training.classes)
            let eklThreshold = Self.median(offDiagonalOf: ekl)
            var underEKL = try ModelComparison.compare(runs: compared, matrix: eklEval, threshold: eklThreshold,
                bootstrap: bootstrap, seed: seed)
            underEKL.matrix = "EKL (WordNet path)"
            let oodCount = oodImages ?? (full ? 10_000 : 500)
            if oodCount > 0 {
                let chosen = corruptions.map { $0.split(separator: ",").compactMap { Corruption(rawValue: String($0)) } }
                    ?? Corruption.allCases
                step("out of distribution: \(chosen.count) corruptions × 5 severities × \(min(oodCount, test.count)) images")
                let models = try compared.map { r throws(ExplicableError) in try OODModel(run: r) }
                underCHL.ood = try OODComparison.evaluate(models: models, test: fullTest, corruptions: chosen,
                    images: oodCount, seed: seed, sets: try OODSet.readAll(in: dataFolder.file("ood"), classes: cifar10),
                    matrix: chlEval, threshold: 2)
            }
            let spec = try StudySpec.load(try RepositoryFolder.locate("cifar10-class-likert.json", in: "studies")
                .appendingPathComponent("cifar10-class-likert.json")).spec
            let judgments = 90 * spec.ratingsPerItem
            let design = LabelCostAudit.planned(
                study: "the paper's CHL design", judgments: judgments,
                assignments: Int((Double(judgments) / Double(spec.itemsPerAssignment)).rounded(.up)),
                pay: studyPay(spec))
            var reportBuilder = ReportBuilder(title: "explicable demo: CE vs WLF on CIFAR-10 (\(arch.rawValue))")
            reportBuilder.matrices = [("CHL", chl), ("IHL (CIFAR-10H)", ihl), ("EKL (WordNet path)", ekl)]
            reportBuilder.runs = try compared.map { r throws(ExplicableError) in
                (r, try HistoryPoint.read(runFolder: folder.appendingPathComponent("runs/\(r.name)")))
            }
            reportBuilder.comparisons = [underCHL, underEKL]
            reportBuilder.audits = [design]
            var report = try reportBuilder.build()
            report.summary = Self.summary(underCHL, underEKL, audit: design)
            report.notes += [
                "Data: CIFAR-10 from \(cifarFolder.path); \(training.count) training images (stratified, seed \(seed)), "
                    + "\(test.count) test images; \(arch.rawValue), \(epochs) epochs, batch 128, SGD momentum 0.9 "
                    + "Nesterov, one-cycle learning rate 0.05, weight decay 5e-4, crop+flip.",
                "WLF targets softmax(\(scale) · CHL[y]); CHL is "
                    + (study.map { "study '\($0)' in the store" } ?? "the paper's published matrix (46 raters per pair)") + ".",
                "Mistake severity is the mean CHL distance (4 − rating) of the mistakes; a mistake is explicable when "
                    + "its CHL rating is at least 2, the Likert midpoint. Under EKL, distance is 1 − path similarity "
                    + String(format: "and a mistake is explicable when its path similarity is at least %.3f, ", eklThreshold)
                    + "the median of the off-diagonal cells.",
                "Run time: \(String(format: "%.0f", Date().timeIntervalSince(started))) s on "
                    + "\(ProcessInfo.processInfo.activeProcessorCount) cores.",
            ]
            let reportURL = folder.appendingPathComponent("report.html")
            try report.write(to: reportURL, templates: try RepositoryFolder.locate("report.mustache", in: "templates"))
            writeStdout("report: \(reportURL.path)\n")
            for line in report.summary { writeStdout(line + "\n") }
        }
    }
}

extension DemoCommand {
    /// The three-line summary: accuracy, explicability (in distribution, and OOD when run), cost.
    static func summary(_ chl: ModelComparison, _ ekl: ModelComparison, audit a: LabelCostAudit) -> [String] {
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", 100 * $0) } ?? "n/a" }
        func num(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "n/a" }
        var lines: [String] = []
        lines.append("Accuracy: " + chl.models.map { "\($0.name) \(pct($0.top1.value))" }.joined(separator: ", ")
            + (chl.models.count > 1 ? " (Δ \(pct(chl.models[1].top1Difference?.value)), 95% CI "
                + "\(pct(chl.models[1].top1Difference?.lower)) … \(pct(chl.models[1].top1Difference?.upper)))" : "") + ".")
        var explicability = "Mistakes under CHL: " + chl.models.map {
            "\($0.name) severity \(num($0.mistakeSeverity.value)), explicable \(pct($0.explicableMistakeRate.value))"
        }.joined(separator: "; ")
        if chl.models.count > 1, let d = chl.models[1].severityDifference, let p = d.p {
            explicability += p > 0 ? String(format: " (severity p = %.3g)", p) : " (severity p < \(1.0 / Double(d.replicates)))"
        }
        explicability += "; under WordNet: " + ekl.models.map { "\($0.name) \(num($0.mistakeSeverity.value))" }
            .joined(separator: ", ")
        if let ood = chl.ood, !ood.meanOverCorruptions.isEmpty {
            explicability += "; OOD severity " + zip(chl.models, ood.meanOverCorruptions).map { "\($0.name) \(num($1.mistakeSeverity))" }
                .joined(separator: ", ")
        }
        lines.append(explicability + ".")
        lines.append(String(format: "Labels: the CHL design needs %d judgments (%.2f %@) where CIFAR-10H took %d labels "
            + "(%.0f %@): %.1f%% fewer labels, %.1f%% less money.", a.judgmentsAccepted, a.total, a.currency,
            a.baseline.labels, a.baseline.cost, a.baseline.currency, a.savings.labelsPercent, a.savings.moneyPercent))
        return lines
    }

    /// The median of a matrix's off-diagonal cells.
    static func median(offDiagonalOf m: ClassMatrix) -> Double {
        var cells: [Double] = []
        for i in 0..<m.count { for j in 0..<m.count where i != j { cells.append(m[i, j]) } }
        cells.sort()
        return cells.isEmpty ? 0 : cells.count % 2 == 1 ? cells[cells.count / 2] : (cells[cells.count / 2 - 1] + cells[cells.count / 2]) / 2
    }
}

/// One trained model of the demo.
struct DemoRun {
    var name: String
    var folder: URL
    var metrics: Metrics
    var history: [(epoch: Int, loss: Double, testTop1: Double)]
}
