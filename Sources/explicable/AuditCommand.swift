import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "What class-level judgments cost against instance-level labelling: labels, hours, money.",
        discussion: """
            Per study: submissions and judgments accepted and rejected, annotators, work time, rewards plus \
            platform fees (MTurk: 20% of reward and bonus, 20% more for HITs of 10 or more assignments; Prolific: \
            --prolific-fee of rewards), cost per accepted judgment. Weighed against CIFAR-10H's 511,000 instance \
            labels (the default baseline) or your own (--images, --labels-per-image, --seconds-per-label, \
            --hourly-pay). For class-pair studies, the reliability curve says how many raters per pair reached \
            --target and what stopping there would have saved.
            """)

    @Argument(help: ArgumentHelp("Studies in the store.", valueName: "study"))
    var studies: [String]

    @Option(help: "Reliability the raters per pair must reach (class-pair studies).")
    var target = 0.9

    @Option(help: "Prolific's service fee rate.")
    var prolificFee = 1.0 / 3.0

    @Option(help: "Assignments per MTurk HIT (the 20% surcharge starts at 10).")
    var assignmentsPerHit = 1

    @Option(help: "Baseline: images labelled one by one (instead of CIFAR-10H).")
    var images: Int?

    @Option(help: "Baseline: labels per image.")
    var labelsPerImage: Double?

    @Option(help: "Baseline: seconds per label.")
    var secondsPerLabel: Double?

    @Option(help: "Baseline: hourly pay, in the study's currency.")
    var hourlyPay: Double?

    @Option(help: "Seed of the reliability curve.")
    var seed: UInt64 = 1

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var quality: CostOfQualityOptions
    @OptionGroup var lmf: LMFOptions
    @OptionGroup var dataFolder: DataFolderOptions
    @OptionGroup var store: StoreOptions

    func validate() throws {
        let custom = [images != nil, labelsPerImage != nil, secondsPerLabel != nil, hourlyPay != nil]
        if custom.contains(true) && custom.contains(false) {
            throw ValidationError(
                "a custom baseline needs all of --images, --labels-per-image, --seconds-per-label, --hourly-pay")
        }
        if !(0...1).contains(target) { throw ValidationError("--target must be between 0 and 1") }
    }

    func run() throws {
        let labelStore = try store.open()
        var audits: [LabelCostAudit] = []
        var costs: [CostOfQuality] = []
        for name in studies {
            let study = try labelStore.study(named: name)
            let spec = try study.spec()
            let pay = StudyPay(spec: spec, assignmentsPerHIT: assignmentsPerHit, prolificFeeRate: prolificFee)
            let baseline: InstanceLabellingBaseline
            if let images, let labelsPerImage, let secondsPerLabel, let hourlyPay {
                baseline = .custom(
                    name: "instance labels", images: images, labelsPerImage: labelsPerImage,
                    secondsPerLabel: secondsPerLabel, hourlyPay: hourlyPay, currency: spec.pay.currency)
            } else {
                baseline = .cifar10H
            }
            let sufficiency = try LabelCostAudit.raterSufficiency(of: study, store: labelStore, seed: seed)
            audits.append(
                try LabelCostAudit.audit(
                    study: name, studyId: study.record.id!, pay: pay, store: labelStore,
                    baseline: baseline, curve: sufficiency?.curve, ratersPerPair: sufficiency?.ratersPerPair,
                    target: target))
            if quality.costOfQuality {
                costs.append(
                    try quality.evaluate(
                        study,
                        builder: matrixBuilder(
                            store: labelStore, data: dataFolder.folder,
                            lmf: lmf), seed: seed))
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data =
                quality.costOfQuality
                ? try encoder.encode(Both(audits: audits, costOfQuality: costs))
                : try encoder.encode(audits)
            writeStdout(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            writeStdout((audits.map(\.text) + costs.map(\.text)).joined(separator: "\n"))
        }
    }

    /// `--json` with `--cost-of-quality`.
    struct Both: Encodable {
        var audits: [LabelCostAudit]
        var costOfQuality: [CostOfQuality]
    }
}
