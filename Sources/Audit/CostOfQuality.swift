public import ExplicableCore
import Foundation
public import Semantics

/// What each class-pair design needs to reach the full design's quality: judgments, annotator
/// hours and money, against the full design and against labelling the test set image by image.
///
/// The target is the full design's mean target TV (`TargetQuality.tv`) at its
/// ``DesignSimulation/Settings/ratersPerPair`` raters per pair (46: the paper's design). Hours
/// and money are priced per judgment like the study: `judgments / itemsPerAssignment`
/// assignments, each taking the pay's estimated minutes and paying its reward plus the
/// platform's fee (``StudyPay``); rejected assignments are counted as paid (an upper bound).
///
/// ```swift
/// let cost = CostOfQuality.evaluate(simulation, designs: SimulatedDesign.allCases, seed: 1,
///                                   pay: StudyPay(spec: spec), baseline: .instanceLabels(images: 10_000))
/// print(cost.text)
/// ```
public struct CostOfQuality: Sendable, Codable {
    public struct Row: Sendable, Codable {
        public var design: SimulatedDesign
        /// Judgments collected when the target was reached (interpolated); `nil`: not reached within ``budget``.
        public var judgments: Double?
        public var budget: Int
        public var hours: Double?
        public var money: Double?
        /// Percent of the full design's judgments, and of the baseline's labels.
        public var percentOfFull: Double?
        public var percentOfInstanceLabels: Double?
        /// Quality at the end of the run (at the target or the budget).
        public var final: TargetQuality
    }

    public var classes: String
    public var seed: UInt64
    /// The full design's mean target TV: the quality every design must reach.
    public var target: Double
    public var fullJudgments: Int
    public var currency: String
    public var baseline: InstanceLabellingBaseline
    public var rows: [Row]
    public var curves: [QualityCurve]

    /// Simulates each design on one seed and prices what it needs to reach the full design's quality.
    ///
    /// - Parameters:
    ///   - simulation: truth, prior, raters and settings.
    ///   - designs: the designs to compare; the full design is always run first (it sets the target).
    ///   - seed: the rater seed (the truth is fixed by `simulation`).
    ///   - pay: reward, fee and minutes per assignment of `itemsPerAssignment` judgments.
    ///   - baseline: instance labelling of the same test set.
    ///   - budgetFactors: how many times the full design's judgments each other design may collect
    ///     before it is declared not to reach the target (default 1).
    public static func evaluate(
        _ simulation: DesignSimulation, designs: [SimulatedDesign], seed: UInt64, pay: StudyPay,
        baseline: InstanceLabellingBaseline, budgetFactors: [SimulatedDesign: Double] = [:]
    ) -> CostOfQuality {
        let full = simulation.run(.full, budget: simulation.fullJudgments, seed: seed)
        let target = full.final.quality.tv
        var curves = [full]
        var rows = [
            row(
                full, judgments: Double(full.final.judgments), budget: simulation.fullJudgments, simulation, pay,
                baseline)
        ]
        for design in designs where design != .full {
            let budget = Int(Double(simulation.fullJudgments) * (budgetFactors[design] ?? 1))
            let curve = simulation.run(design, budget: budget, seed: seed, stopAt: target)
            curves.append(curve)
            rows.append(
                row(curve, judgments: curve.judgments(reaching: target), budget: budget, simulation, pay, baseline))
        }
        return CostOfQuality(
            classes: simulation.truth.classes.name, seed: seed, target: target,
            fullJudgments: simulation.fullJudgments, currency: pay.currency, baseline: baseline, rows: rows,
            curves: curves)
    }

    static func row(
        _ curve: QualityCurve, judgments: Double?, budget: Int, _ simulation: DesignSimulation, _ pay: StudyPay,
        _ baseline: InstanceLabellingBaseline
    ) -> Row {
        let perAssignment = Double(simulation.settings.itemsPerAssignment)
        let assignments = judgments.map { ($0 / perAssignment).rounded(.up) }
        return Row(
            design: curve.design, judgments: judgments, budget: budget,
            hours: assignments.map { $0 * (pay.estimatedMinutes ?? 0) / 60 },
            money: assignments.map { $0 * (pay.rewardPerAssignment + pay.feePerAssignment) },
            percentOfFull: judgments.map { 100 * $0 / Double(simulation.fullJudgments) },
            percentOfInstanceLabels: judgments.map { 100 * $0 / Double(baseline.labels) }, final: curve.final.quality)
    }

    /// The table for the report and the terminal.
    public var table: Report.Table {
        func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "—" }
        return Report.Table(
            caption: String(
                format: "Cost of quality, %@ (seed %llu): judgments to reach the full design's mean target TV %.4f "
                    + "(WLF rows, scales 1 and 2), against %@ (%@)", classes, seed, target, baseline.name,
                baseline.basis),
            header: [
                "design", "judgments", "% of full", "% of instance labels", "hours", "money", "TV at end",
                "Pearson", "3-nearest",
            ],
            rows: rows.map { r in
                [
                    r.design.rawValue, r.judgments.map { String(Int($0.rounded())) } ?? "> \(r.budget)",
                    f(r.percentOfFull, "%.2f%%"), f(r.percentOfInstanceLabels, "%.2f%%"), f(r.hours, "%.1f"),
                    r.money.map { String(format: "%.2f %@", $0, currency) } ?? "—", String(format: "%.4f", r.final.tv),
                    String(format: "%.3f", r.final.pearson), String(format: "%.0f%%", 100 * r.final.nearestRecovered),
                ]
            } + [
                [
                    baseline.name, String(baseline.labels), "", "100%", String(format: "%.1f", baseline.hours),
                    String(format: "%.2f %@", baseline.cost, baseline.currency), "", "", "",
                ]
            ])
    }

    /// Judgments against mean target TV, one line per design, on a log-free axis in thousands.
    public var chart: LineChart {
        LineChart(
            title: "Judgments vs WLF-target quality, \(classes)", xLabel: "judgments (thousands)",
            yLabel: "mean target TV (lower is better)",
            series: curves.map { c in
                .init(name: c.design.rawValue, points: c.points.map { (Double($0.judgments) / 1000, $0.quality.tv) })
            } + [.init(name: "full at 46/pair", points: [(0, target), (Double(fullJudgments) / 1000, target)])])
    }

    /// The table as text.
    public var text: String {
        let t = table
        let widths = t.header.indices.map { c in ([t.header[c]] + t.rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return t.caption + "\n" + ([line(t.header)] + t.rows.map(line)).joined(separator: "\n") + "\n"
    }
}

extension InstanceLabellingBaseline {
    /// Labelling `images` test images `labelsPerImage` times the way CIFAR-10H was (51 per image,
    /// 15 minutes and 1.50 USD per 210 trials, 20% MTurk fee): CIFAR-100's 10,000 test images,
    /// ImageNet's 50,000 validation images (2.55 million labels).
    public static func instanceLabels(images: Int, labelsPerImage: Double = 51, name: String? = nil)
        -> InstanceLabellingBaseline
    {
        custom(
            name: name ?? "\(images) images × \(Int(labelsPerImage)) labels", images: images,
            labelsPerImage: labelsPerImage, secondsPerLabel: 15 * 60 / 210.0, hourlyPay: 1.50 * 60 / 15,
            currency: "USD", feeRate: 0.20)
    }
}

extension CostOfQuality {
    /// The instance labelling a class set's test set is weighed against: CIFAR-10H for
    /// `cifar10`, 51 labels per test image for `cifar100` (10,000 images) and per validation
    /// image for `imagenet1k` (50,000), else 51 labels per image of `images` (default 10,000).
    public static func baseline(for classes: ClassSet, images: Int = 10_000) -> InstanceLabellingBaseline {
        switch classes.name {
        case "cifar10": .cifar10H
        case "cifar100": .instanceLabels(images: 10_000, name: "CIFAR-100 test set × 51")
        case "imagenet1k": .instanceLabels(images: 50_000, name: "ImageNet validation set × 51")
        default: .instanceLabels(images: images)
        }
    }

    /// The cost of quality of a class-pair study's design: its raters per item, items and
    /// attention checks per assignment and pay, simulated against `truth` with `prior`.
    ///
    /// - Parameters:
    ///   - spec: a `class-pair-likert` spec (its scale, `ratingsPerItem`, `itemsPerAssignment`, pay).
    ///   - truth: the true similarities over the study's classes, on its scale.
    ///   - prior: the prior the sparse, neighbour and adaptive designs use.
    ///   - population: the raters.
    ///   - careless: share of careless raters.
    ///   - seed: the raters' seed.
    ///   - baseline: labelling the test set image by image, the cost each design is set against.
    /// - Throws: `ExplicableError` when the spec is another design or the matrices do not fit.
    public static func of(
        spec: StudySpec, truth: ClassMatrix, prior: ClassMatrix, population: RaterPopulation, careless: Double,
        seed: UInt64, baseline: InstanceLabellingBaseline
    ) throws(ExplicableError) -> CostOfQuality {
        guard spec.design == .classPairLikert else {
            throw ExplicableError(
                .invalidArgument,
                "the cost of quality is simulated for class-pair-likert studies; "
                    + "'\(spec.name)' is \(spec.design.rawValue)")
        }
        var settings = DesignSimulation.Settings()
        settings.ratersPerPair = spec.ratingsPerItem
        settings.itemsPerAssignment = spec.itemsPerAssignment
        settings.attentionChecks = spec.attentionChecksPerAssignment
        settings.careless = careless
        if let adaptive = spec.allocatorParameters {  // the study's own allocator settings
            settings.allocator.tolerance = adaptive.tolerance
            settings.allocator.priorWeight = adaptive.priorWeight
            settings.allocator.ratingSD = adaptive.ratingSD
            settings.allocator.maxRatingsPerPair = adaptive.maxRatingsPerItem
            settings.allocator.calibratesPrior = adaptive.calibratesPrior
        }
        let simulation = try DesignSimulation(
            truth: truth, prior: prior, population: population,
            scale: RatingScale(spec: spec), settings: settings)
        return evaluate(
            simulation, designs: SimulatedDesign.allCases, seed: seed, pay: StudyPay(spec: spec),
            baseline: baseline, budgetFactors: [.uniform: 2])
    }
}
