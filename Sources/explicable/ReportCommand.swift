import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import Training

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML report: matrices, reliability, models, OOD, label cost.",
        discussion: """
            Every section is optional and comes from what you name: --matrix NAME (heatmaps and how they agree), \
            --study STUDY (a class-pair study's reliability curve and cost audit), --run DIR (training curves, \
            confusion matrices, the model comparison under --eval-matrix, with --ood the corrupted test sets). \
            The file has inline SVG and CSS, no scripts and no network access.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The HTML file to write.", valueName: "file"))
    var out = "report.html"

    @Option(help: "Report title.")
    var title = "explicable report"

    @Option(name: .customLong("matrix"), help: ArgumentHelp("A stored matrix to show (repeat).", valueName: "name"))
    var matrices: [String] = []

    @Option(name: .customLong("study"), help: ArgumentHelp("A study to audit, with its reliability curve when it is a "
        + "class-pair study (repeat).", valueName: "study"))
    var studies: [String] = []

    @Option(name: .customLong("run"), help: ArgumentHelp("A training run folder (repeat; the first is the reference).",
        valueName: "dir"))
    var runs: [String] = []

    @Option(help: ArgumentHelp("Matrix the runs are compared under (default: the first run's training matrix, else chl).",
        valueName: "matrix"))
    var evalMatrix: String?

    @Option(help: "Similarity at or above which a mistake is explicable.")
    var threshold = 2.0

    @Flag(help: "Also evaluate the runs' checkpoints on corrupted test images.")
    var ood = false

    @Option(help: "Test images per corrupted set.")
    var oodImages = 500

    @Option(help: "Seed of bootstraps, curves and corruptions.")
    var seed: UInt64 = 0

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var matrixOptions: MatrixOptions

    func validate() throws {
        if matrices.isEmpty && studies.isEmpty && runs.isEmpty {
            throw ValidationError("name something to report: --matrix, --study or --run")
        }
    }

    func run() throws {
        try reportingTrainingErrors {
            var builder = ReportBuilder(title: title)
            let needsStore = !matrices.isEmpty || !studies.isEmpty
            let store = needsStore ? try LabelStore(path: matrixOptions.db) : nil
            for name in matrices {
                builder.matrices.append((name, try store!.matrix(named: name).matrix))
            }
            for name in studies {
                let study = try Study.named(name, in: store!)
                let sufficiency = try raterSufficiency(study, store: store!, seed: seed)
                if let sufficiency { builder.reliability.append((name, sufficiency.curve)) }
                builder.audits.append(try LabelCostAudit.audit(study: name, studyId: study.id, pay: studyPay(study.spec),
                    store: store!, curve: sufficiency?.curve, ratersPerPair: sufficiency?.ratersPerPair))
            }
            if !runs.isEmpty {
                let compared = try runs.map { path throws(ExplicableError) in try ComparedRun.read(URL(fileURLWithPath: path)) }
                let classes = compared[0].classes
                let spec = evalMatrix ?? compared[0].checkpoint?.header.configuration.lossMatrix ?? "chl"
                let evaluation = try EvaluationMatrix(
                    resolveMatrix(spec, data: dataOptions, options: matrixOptions, classes: classes), classes: classes)
                var comparison = try ModelComparison.compare(runs: compared, matrix: evaluation, threshold: threshold,
                    seed: seed)
                comparison.matrix = spec
                if ood {
                    let models = try compared.map { r throws(ExplicableError) in try OODModel(run: r) }
                    comparison.ood = try OODComparison.evaluate(models: models, test: try dataOptions.load(.test),
                        images: oodImages, seed: seed,
                        sets: try OODSet.readAll(in: dataOptions.folders().root.file("ood"), classes: classes),
                        matrix: evaluation, threshold: threshold)
                }
                builder.comparisons = [comparison]
                builder.runs = try zip(compared, runs).map { pair throws(ExplicableError) in
                    (pair.0, try HistoryPoint.read(runFolder: URL(fileURLWithPath: pair.1)))
                }
            }
            let report = try builder.build()
            try report.write(to: URL(fileURLWithPath: out), templates: try RepositoryFolder.locate("report.mustache", in: "templates"))
            writeStdout("report: \(out)\n")
        }
    }
}
