import Audit
import ExplicableCore
import Foundation
import Semantics
import Testing
import TestSupport

/// Truths, target quality and the in-process design simulation, on CIFAR-10's classes.
struct DesignSimulationTests {
    static let cifar10 = try! ClassSetCatalog.load("cifar10")

    static func chl() throws -> ClassMatrix {
        try MatrixFile.read(try requireSharedData("paper/cifar10_CHL_cmat.npy"), classes: cifar10, kind: .similarity)
    }

    /// A prior that ranks like the truth but is noisy: the truth's cells plus seeded noise, symmetrised.
    static func noisyPrior(_ truth: ClassMatrix, seed: UInt64) -> ClassMatrix {
        var rng = SeededGenerator(seed: seed)
        let n = truth.count
        var v = truth.values
        for i in 0..<n {
            for j in (i + 1)..<n {
                let s = (truth[i, j] + truth[j, i]) / 2 + Double(rng.uniform(-0.4, 0.4))
                v[i * n + j] = s
                v[j * n + i] = s
            }
        }
        return ClassMatrix(classes: truth.classes, kind: .similarity, values: v, provenance: .init(source: "noisy"))
    }

    static func population() throws -> RaterPopulation {
        try RaterPopulation.fit(csv: try requireSharedData("human/wordsim353-set1.csv"))
    }

    @Test func targetQualityOfTheTruthItselfIsPerfect() throws {
        let truth = try Self.chl()
        let reference = try TargetQuality.Reference(truth: truth)
        let q = reference.measure(truth.values)
        #expect(q.tv < 1e-12 && abs(q.pearson - 1) < 1e-12 && q.nearestRecovered == 1)
        var flat = truth
        for i in 0..<10 { for j in 0..<10 where i != j { flat[i, j] = 1 } }
        let worse = reference.measure(flat.values)
        #expect(worse.tv > 0.05 && worse.nearestRecovered < 1)
        // Row softmax agrees with ClassMatrix.rowSoftmax, the WLF's targets.
        let targets = try truth.rowSoftmax(scale: 2)
        let uniformRows = [Double](repeating: 0.1, count: 100)
        let tv2 = (0..<10).map { i in (0..<10).map { abs(targets[i, $0] - 0.1) }.reduce(0, +) / 2 }.reduce(0, +) / 10
        var zero = truth
        for c in 0..<100 { zero[c / 10, c % 10] = 0 }
        #expect(abs(reference.measure(zero.values).meanTV[1] - tv2) < 1e-12)
        _ = uniformRows
    }

    @Test func truthModelRecoversAKnownRelationAndIsSeeded() throws {
        let chl = try Self.chl()
        let prior = Self.noisyPrior(chl, seed: 2)
        // A human matrix made exactly log-linear in the prior: the fit returns its coefficients.
        var human = prior
        for i in 0..<10 { for j in 0..<10 where i != j { human[i, j] = exp(-2 + 1.5 * prior[i, j]) } }
        let exact = try TruthModel.fit(human: human, prior: prior)
        #expect(abs(exact.intercept + 2) < 1e-9 && abs(exact.slope - 1.5) < 1e-9 && exact.residualSD < 1e-9)
        let model = try TruthModel.fit(human: chl, prior: prior)
        #expect(model.symmetricResiduals.count == 45 && model.residualSD > 0)
        let a = try model.generate(prior: prior, seed: 1), b = try model.generate(prior: prior, seed: 1)
        let c = try model.generate(prior: prior, seed: 2)
        #expect(a == b && a.values != c.values)
        #expect((0..<10).allSatisfy { a[$0, $0] == 4 } && a.values.allSatisfy { (0...4).contains($0) })
        #expect(a.provenance.parameters["seed"] == "1")
    }

    @Test func designsAreDeterministicAndFullDesignImprovesWithRaters() throws {
        let truth = try Self.chl()
        var settings = DesignSimulation.Settings()
        settings.ratersPerPair = 12
        let simulation = try DesignSimulation(
            truth: truth, prior: Self.noisyPrior(truth, seed: 5),
            population: try Self.population(), scale: .likert([0, 1, 2, 3, 4]), settings: settings)
        #expect(simulation.fullJudgments == 1080)
        let full = simulation.run(.full, budget: simulation.fullJudgments, seed: 1)
        #expect(full.points.count == 12 && full.final.judgments == 1080)
        #expect(full.final.quality.tv < full.points[0].quality.tv)
        #expect(full.final.quality.pearson > 0.8)
        for design in SimulatedDesign.allCases {
            let a = simulation.run(design, budget: 600, seed: 3), b = simulation.run(design, budget: 600, seed: 3)
            #expect(
                String(describing: a.points.map(\.quality)) == String(describing: b.points.map(\.quality)),
                "\(design) is not deterministic")
            #expect(a.final.judgments >= 600 && a.final.judgments < 600 + 20)
        }
    }

    /// With a prior and the expected-TV score, the adaptive design reaches a given quality with
    /// fewer judgments than uniform random allocation (median over 5 seeds).
    @Test func adaptiveBeatsUniformAllocation() throws {
        let truth = try Self.chl()
        var settings = DesignSimulation.Settings()
        settings.careless = 0.1
        let simulation = try DesignSimulation(
            truth: truth, prior: Self.noisyPrior(truth, seed: 9),
            population: try Self.population(), scale: .likert([0, 1, 2, 3, 4]), settings: settings)
        var adaptive: [Double] = [], uniform: [Double] = []
        for seed in UInt64(1)...5 {
            let budget = 1500
            adaptive.append(simulation.run(.adaptive, budget: budget, seed: seed).final.quality.tv)
            uniform.append(simulation.run(.uniform, budget: budget, seed: seed).final.quality.tv)
        }
        let medianA = Statistics.quantile(sorted: adaptive.sorted(), 0.5)
        let medianU = Statistics.quantile(sorted: uniform.sorted(), 0.5)
        #expect(medianA < medianU, "adaptive \(medianA) vs uniform \(medianU)")
    }

    /// The adaptive design is the server's `AdaptiveAllocator`: its parameters come from the
    /// settings, and its stopping rule ends the run (a tolerance every row meets at the start).
    @Test func theAdaptiveDesignIsTheServersAllocator() throws {
        let truth = try Self.chl()
        var settings = DesignSimulation.Settings()
        settings.ratersPerPair = 6
        settings.allocator.maxRatingsPerPair = 3
        settings.allocator.tolerance = 5
        let simulation = try DesignSimulation(
            truth: truth, prior: Self.noisyPrior(truth, seed: 5),
            population: try Self.population(), scale: .likert([0, 1, 2, 3, 4]), settings: settings)
        #expect(simulation.allocatorParameters.maxRatingsPerItem == 3 && simulation.allocatorParameters.tolerance == 5)
        #expect(simulation.run(.adaptive, budget: 600, seed: 1).final.judgments == 0)
        settings.allocator.tolerance = 0.001
        let capped = try DesignSimulation(
            truth: truth, prior: Self.noisyPrior(truth, seed: 5),
            population: try Self.population(), scale: .likert([0, 1, 2, 3, 4]), settings: settings)
        // Every pair at its cap of 3, then nothing is left to allocate.
        #expect(capped.run(.adaptive, budget: 10_000, seed: 1).final.judgments == 90 * 3)
        settings.allocator.ratingSD = 0
        #expect(throws: ExplicableError.self) {
            try DesignSimulation(
                truth: truth, prior: truth, population: try Self.population(), scale: .likert([0, 1, 2, 3, 4]),
                settings: settings)
        }
    }

    @Test func costOfQualityPricesJudgmentsLikeTheStudy() throws {
        let truth = try Self.chl()
        var settings = DesignSimulation.Settings()
        settings.ratersPerPair = 6
        let simulation = try DesignSimulation(
            truth: truth, prior: Self.noisyPrior(truth, seed: 5),
            population: try Self.population(), scale: .likert([0, 1, 2, 3, 4]), settings: settings)
        let pay = StudyPay(platform: .mturk, rewardPerAssignment: 0.40, currency: "USD", estimatedMinutes: 3)
        let cost = CostOfQuality.evaluate(
            simulation, designs: [.full, .uniform, .adaptive], seed: 1, pay: pay,
            baseline: .cifar10H, budgetFactors: [.uniform: 2, .adaptive: 2])
        #expect(cost.rows.map(\.design) == [.full, .uniform, .adaptive])
        let full = cost.rows[0]
        #expect(full.judgments == 540 && full.percentOfFull == 100)
        #expect(abs(full.money! - 36 * 0.48) < 1e-9 && abs(full.hours! - 36 * 3 / 60.0) < 1e-9)
        #expect(cost.text.contains("Cost of quality, cifar10") && cost.chart.svg.contains("<polyline"))
        for row in cost.rows where row.judgments != nil {
            #expect(row.final.tv <= cost.target + 1e-12 || row.design == .full)
        }
    }
}
