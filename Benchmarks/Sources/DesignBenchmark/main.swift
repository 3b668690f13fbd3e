import Audit
import ExplicableCore
import Foundation
import Semantics

// Cost of quality per class-pair design, in simulation (issue #16): the same truth and the same
// rater model for every design, several seeds, one JSON line per (class set, seed, design) and a
// summary line per (class set, design) with the median and range over seeds.
//
// DesignBenchmark --data DIR --priors DIR --classes cifar10[,cifar100,imagenet1k] [--seeds 5] [--careless 0.1]
//                 [--calibrate-prior 1|0]   (the adaptive design's allocator calibrates its prior; default 0)
//                 [--tolerance 0.01] [--rating-sd 1] [--prior-weight 2]   (its other parameters)
// --priors holds path-CLASSES.npy: `explicable matrix build … --from wordnet:path` exported (Benchmarks/run-designs.sh).

var options: [String: String] = ["--seeds": "5", "--careless": "0.1", "--classes": "cifar10"]
var arguments = CommandLine.arguments.dropFirst()
while let key = arguments.popFirst() {
    guard key.hasPrefix("--"), let value = arguments.popFirst() else { fatalError("usage: --key value …") }
    options[key] = value
}
guard let data = options["--data"], let priors = options["--priors"], let seeds = Int(options["--seeds"]!),
    let careless = Double(options["--careless"]!)
else { fatalError("usage: DesignBenchmark --data DIR --priors DIR --classes LIST [--seeds N] [--careless P]") }

func line(_ object: [String: Any]) {
    let json = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    FileHandle.standardOutput.write(json + Data("\n".utf8))
}

func prior(_ name: String) throws -> ClassMatrix {
    try MatrixFile.read(
        URL(fileURLWithPath: "\(priors)/path-\(name).npy"), classes: try ClassSetCatalog.load(name),
        kind: .similarity)
}

let population = try RaterPopulation.fit(csv: URL(fileURLWithPath: "\(data)/human/wordsim353-set1.csv"))
let chl = try MatrixFile.read(
    URL(fileURLWithPath: "\(data)/paper/cifar10_CHL_cmat.npy"),
    classes: try ClassSetCatalog.load("cifar10"), kind: .similarity)
let truthModel = try TruthModel.fit(human: chl, prior: try prior("cifar10"))
let pay = StudyPay(platform: .mturk, rewardPerAssignment: 0.40, currency: "USD", estimatedMinutes: 3)
var settings = DesignSimulation.Settings()
settings.careless = careless
if let calibrate = options["--calibrate-prior"] { settings.allocator.calibratesPrior = calibrate == "1" }
if let v = options["--tolerance"].flatMap(Double.init) { settings.allocator.tolerance = v }
if let v = options["--rating-sd"].flatMap(Double.init) { settings.allocator.ratingSD = v }
if let v = options["--prior-weight"].flatMap(Double.init) { settings.allocator.priorWeight = v }
line([
    "bench": "design-setup",
    "raterPopulation": [
        "bias": [population.bias.mean, population.bias.sd], "slope": [population.slope.mean, population.slope.sd],
        "noise": [population.noise.mean, population.noise.sd], "decimalShare": population.decimalShare,
    ],
    "truthModel": [
        "intercept": truthModel.intercept, "slope": truthModel.slope, "residualSD": truthModel.residualSD,
        "pearson": truthModel.pearson,
    ],
    "careless": careless, "ratersPerPair": settings.ratersPerPair, "itemsPerAssignment": settings.itemsPerAssignment,
    "attentionChecks": settings.attentionChecks, "neighbours": settings.neighbours, "extraPairs": settings.extraPairs,
    "screen": [settings.screenNeighbours, settings.screenDecoys], "shrinkage": settings.shrinkage,
    "allocator": [
        "tolerance": settings.allocator.tolerance, "priorWeight": settings.allocator.priorWeight,
        "ratingSD": settings.allocator.ratingSD, "maxRatingsPerPair": 4 * settings.ratersPerPair,
        "calibratesPrior": settings.allocator.calibratesPrior,
    ],
])

for classes in options["--classes"]!.split(separator: ",").map(String.init) {
    let pathPrior = try prior(classes)
    let baseline: InstanceLabellingBaseline =
        switch classes {
        case "cifar10": .cifar10H
        case "cifar100": .instanceLabels(images: 10_000, name: "CIFAR-100 test set × 51")
        default: .instanceLabels(images: 50_000, name: "ImageNet validation set × 51")
        }
    let factors: [SimulatedDesign: Double] =
        classes == "imagenet1k"
        ? [.uniform: 1, .sparse: 0.02, .neighbours: 0.02, .adaptive: 0.05]
        : [.uniform: 2, .sparse: 1, .neighbours: 1, .adaptive: 1]
    var results: [SimulatedDesign: [Double?]] = [:]
    for seed in 1...UInt64(seeds) {
        let truth = classes == "cifar10" ? chl : try truthModel.generate(prior: pathPrior, seed: seed)
        let simulation = try DesignSimulation(
            truth: truth, prior: pathPrior, population: population,
            scale: .likert([0, 1, 2, 3, 4]), settings: settings)
        let start = Date()
        let cost = CostOfQuality.evaluate(
            simulation, designs: SimulatedDesign.allCases, seed: seed, pay: pay,
            baseline: baseline, budgetFactors: factors)
        let seconds = Date().timeIntervalSince(start)
        for row in cost.rows {
            results[row.design, default: []].append(row.judgments)
            line([
                "bench": "design", "classes": classes, "seed": seed, "design": row.design.rawValue,
                "target": cost.target, "judgments": row.judgments.map { $0.rounded() } as Any, "budget": row.budget,
                "percentOfFull": row.percentOfFull as Any,
                "percentOfInstanceLabels": row.percentOfInstanceLabels as Any,
                "money": row.money as Any, "hours": row.hours as Any, "finalTV": row.final.tv,
                "finalTVByScale": row.final.meanTV, "pearson": row.final.pearson,
                "nearest3": row.final.nearestRecovered,
                "fullJudgments": cost.fullJudgments, "baselineLabels": baseline.labels, "secondsAllDesigns": seconds,
            ])
        }
    }
    let full = Double(results[.full]!.compactMap { $0 }.first ?? 1)
    let uniform = results[.uniform] ?? []
    for (design, values) in results.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
        let reached = values.compactMap { $0 }.sorted()
        func q(_ p: Double) -> Double? { reached.isEmpty ? nil : Statistics.quantile(sorted: reached, p) }
        var ratio: [Double] = []
        for (a, u) in zip(values, uniform) { if let a, let u { ratio.append(a / u) } }
        line([
            "bench": "design-summary", "classes": classes, "design": design.rawValue, "seeds": values.count,
            "reached": reached.count, "medianJudgments": q(0.5) as Any, "minJudgments": q(0) as Any,
            "maxJudgments": q(1) as Any, "medianPercentOfFull": q(0.5).map { 100 * $0 / full } as Any,
            "medianPercentOfInstanceLabels": q(0.5).map { 100 * $0 / Double(baseline.labels) } as Any,
            "medianShareOfUniform": ratio.isEmpty
                ? nil as Double? as Any : Statistics.quantile(sorted: ratio.sorted(), 0.5),
        ])
    }
}
