import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import LabelStore
import Semantics

/// `--cost-of-quality` and its settings, shared by `audit` and `report`.
struct CostOfQualityOptions: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "Simulate each class-pair design (full, uniform, sparse, neighbours, adaptive) and price what it needs to reach "
                + "the full design's WLF-target quality (docs/matrices.md)."))
    var costOfQuality = false

    @Option(
        help: ArgumentHelp(
            "The true matrix of the simulation (default: chl for cifar10, else 'matrix truth' of the class set, --seed).",
            valueName: "matrix"))
    var truth: String?

    @Option(help: ArgumentHelp("The prior of the sparse, neighbour and adaptive designs.", valueName: "matrix"))
    var prior = "wordnet:path"

    @Option(help: "Share of careless simulated raters (0…1).")
    var careless = 0.1

    func validate() throws {
        guard (0...1).contains(careless) else { throw ValidationError("--careless must be between 0 and 1") }
    }

    /// The cost of quality of a stored class-pair study, rater seed `seed`.
    func evaluate(_ study: StoredStudy, builder: MatrixBuilder, seed: UInt64) throws -> CostOfQuality {
        let spec = try study.spec()
        let classes = study.classes
        let prior = try builder.matrix(named: self.prior, over: classes)
        let truthMatrix: ClassMatrix
        if let truth {
            truthMatrix = try builder.matrix(named: truth, over: classes)
        } else if classes.name == "cifar10" {
            truthMatrix = try builder.matrix(named: "chl", over: classes)
        } else {
            truthMatrix = try TruthModel.paperCIFAR10(builder: builder, prior: self.prior).generate(
                prior: prior, seed: seed)
        }
        let ratings = try builder.data.locate(
            ["human/wordsim353-set1.csv"], what: "WordSim-353 set 1 ratings",
            fetchHint: "copy wordsim353/set1.csv into DATA/human/wordsim353-set1.csv")
        return try CostOfQuality.of(
            spec: spec, truth: truthMatrix, prior: prior,
            population: try RaterPopulation.fit(csv: ratings), careless: careless, seed: seed,
            baseline: CostOfQuality.baseline(for: classes))
    }
}
