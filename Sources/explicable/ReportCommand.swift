import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import LabelStore
import Semantics
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

    @Option(
        name: .customLong("study"),
        help: ArgumentHelp(
            "A study to audit, with its reliability curve when it is a "
                + "class-pair study (repeat).", valueName: "study"))
    var studies: [String] = []

    @Option(
        name: .customLong("run"),
        help: ArgumentHelp(
            "A training run folder (repeat; the first is the reference).",
            valueName: "dir"))
    var runs: [String] = []

    @Option(
        help: ArgumentHelp(
            "Matrix the runs are compared under (default: the first run's training matrix, else chl).",
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

    @OptionGroup var quality: CostOfQualityOptions
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var matrixOptions: MatrixOptions

    func validate() throws {
        if matrices.isEmpty && studies.isEmpty && runs.isEmpty {
            throw ValidationError("name something to report: --matrix, --study or --run")
        }
    }

    func run() throws {
        var builder = ReportBuilder(title: title)
        let store = !matrices.isEmpty || !studies.isEmpty ? try matrixOptions.store.open() : nil
        for name in matrices {
            builder.matrices.append((name, try store!.matrix(named: name).matrix))
        }
        for name in studies {
            let study = try store!.study(named: name)
            let sufficiency = try LabelCostAudit.raterSufficiency(of: study, store: store!, seed: seed)
            if let sufficiency { builder.reliability.append((name, sufficiency.curve)) }
            builder.audits.append(
                try LabelCostAudit.audit(
                    study: name, studyId: study.record.id!, pay: StudyPay(spec: try study.spec()), store: store!,
                    curve: sufficiency?.curve, ratersPerPair: sufficiency?.ratersPerPair))
            if quality.costOfQuality {
                builder.costsOfQuality.append(
                    try quality.evaluate(
                        study,
                        builder: matrixBuilder(
                            store: store,
                            data: dataOptions.folders().root, lmf: matrixOptions.lmfOptions), seed: seed))
            }
        }
        if !runs.isEmpty {
            let models = try runs.map { path throws(ExplicableError) in
                let run = try ComparedRun.read(URL(fileURLWithPath: path))
                return ComparedModel(name: run.name, runs: [run])
            }
            let classes = models[0].runs[0].classes
            let (spec, evaluation) = try matrixOptions.evaluation(evalMatrix, for: models[0].runs[0], data: dataOptions)
            let request =
                try ood
                ? OODRequest(
                    test: dataOptions.load(.test), images: oodImages, seed: seed,
                    sets: OODSet.readAll(in: dataOptions.folders().root.file("ood"), classes: classes)) : nil
            var comparison = try Experiment.compare(
                models, matrix: evaluation, threshold: threshold, bootstrap: 1000, seed: seed, ood: request)
            comparison.matrix = spec
            builder.comparisons = [comparison]
            builder.runs = try zip(models, runs).map { pair throws(ExplicableError) in
                (pair.0.runs[0], try RunFolder(URL(fileURLWithPath: pair.1)).readHistory())
            }
        }
        let report = try builder.build()
        try report.write(
            to: URL(fileURLWithPath: out), templates: try RepositoryFolder.locate("report.mustache", in: "templates"))
        writeStdout("report: \(out)\n")
    }
}
