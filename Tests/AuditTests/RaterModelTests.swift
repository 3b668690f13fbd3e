import Audit
import ExplicableCore
import Foundation
import Testing
import TestSupport

/// The rater model fitted on WordSim-353 set 1 must, when simulated, reproduce set 1's spread.
struct RaterModelTests {
    static func wordSim() throws -> (population: RaterPopulation, ratings: [[Double]]) {
        let url = try requireSharedData("human/wordsim353-set1.csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        return (
            try RaterPopulation.fit(text: text, file: url.path).population,
            try RaterPopulation.readRatings(text: text, file: url.path)
        )
    }

    /// Per-rater means and sds, and the mean pairwise Pearson r between raters, of items × raters.
    static func spread(_ ratings: [[Double]]) -> (meanOfMeans: Double, sdOfMeans: Double, meanSD: Double, r: Double) {
        let raters = ratings[0].count
        let columns = (0..<raters).map { k in ratings.map { $0[k] } }
        let means = columns.map(Statistics.mean), sds = columns.map { Statistics.standardDeviation($0) }
        var rs: [Double] = []
        for a in 0..<raters { for b in (a + 1)..<raters { rs.append(Statistics.pearson(columns[a], columns[b])) } }
        return (Statistics.mean(means), Statistics.standardDeviation(means), Statistics.mean(sds), Statistics.mean(rs))
    }

    @Test func fittedParametersMatchTheData() throws {
        let (population, ratings) = try Self.wordSim()
        #expect(population.raters == 13 && population.items == 152 && ratings.count == 152)  // tiger,tiger left out
        #expect(abs(population.slope.mean - 0.974) < 0.01)
        #expect(abs(population.noise.mean - 0.152) < 0.005)
        #expect(abs(population.decimalShare - 0.106) < 0.005)
    }

    /// 200 simulated panels of 13 raters on set 1's consensus: the medians of the spread
    /// statistics are within tolerance of the real panel's (mean of rater means ±0.4, their sd
    /// ±0.4, mean rater sd ±0.35 on 0–10; mean inter-rater r ±0.06).
    @Test func simulatedPanelsReproduceSet1Spread() throws {
        let (population, ratings) = try Self.wordSim()
        let real = Self.spread(ratings)
        let consensus = ratings.map { Statistics.mean($0) / 10 }
        var rng = SeededGenerator(seed: 7)
        var stats: [(Double, Double, Double, Double)] = []
        for _ in 0..<200 {
            let raters = (0..<13).map { _ in population.draw(careless: false, using: &rng) }
            let simulated = consensus.map { c in raters.map { $0.rate(unit: c, on: .slider(0, 10), using: &rng) } }
            stats.append(Self.spread(simulated))
        }
        func median(_ v: [Double]) -> Double { Statistics.quantile(sorted: v.sorted(), 0.5) }
        let sim = (median(stats.map(\.0)), median(stats.map(\.1)), median(stats.map(\.2)), median(stats.map(\.3)))
        #expect(abs(sim.0 - real.meanOfMeans) < 0.4, "mean of rater means \(sim.0) vs \(real.meanOfMeans)")
        #expect(abs(sim.1 - real.sdOfMeans) < 0.4, "sd of rater means \(sim.1) vs \(real.sdOfMeans)")
        #expect(abs(sim.2 - real.meanSD) < 0.35, "mean rater sd \(sim.2) vs \(real.meanSD)")
        #expect(abs(sim.3 - real.r) < 0.06, "inter-rater r \(sim.3) vs \(real.r)")
    }

    @Test func carelessRatersAnswerAtRandomAndFailChecks() {
        let population = RaterPopulation(
            bias: .init(mean: 0.5, sd: 0), centre: 0.5, slope: .init(mean: 1, sd: 0),
            noise: .init(mean: 0.05, sd: 0), decimalShare: 0, halfShare: 0, lapse: 0, source: "test", raters: 1,
            items: 1)
        var rng = SeededGenerator(seed: 1)
        let scale = RatingScale.likert([0, 1, 2, 3, 4])
        let careless = population.draw(careless: true, using: &rng)
        let answers = (0..<1000).map { _ in careless.answerCheck(expected: 4, on: scale, using: &rng) }
        let passed = Double(answers.filter { $0 == 4 }.count) / 1000
        #expect(passed > 0.14 && passed < 0.26)
        let attentive = population.draw(careless: false, using: &rng)
        #expect((0..<100).allSatisfy { _ in attentive.answerCheck(expected: 4, on: scale, using: &rng) == 4 })
        #expect(attentive.rate(unit: 0.5, on: scale, using: &rng) == 2)
    }

    /// The latent consensus is chosen so that the population's mean rating is the truth.
    @Test func latentScaleMakesMeansUnbiased() throws {
        let (population, _) = try Self.wordSim()
        let scale = RatingScale.likert([0, 1, 2, 3, 4])
        let latent = LatentScale(population: population, scale: scale)
        var rng = SeededGenerator(seed: 3)
        for truth in [0.2, 1.0, 2.5] {
            let u = latent.unit(forMean: truth)
            var sum = 0.0
            for _ in 0..<20_000 {
                sum += population.draw(careless: false, using: &rng).rate(unit: u, on: scale, using: &rng)
            }
            #expect(abs(sum / 20_000 - truth) < 0.05, "truth \(truth): mean \(sum / 20_000)")
        }
    }

    @Test(arguments: [
        ("Word 1,Word 2,Human (mean),1,2,3\n", "need at least 10 word pairs"),
        ("a,b,c\n", "header must be"),
        ("Word 1,Word 2,Human (mean),1,2,3\nx,y,5,1,2\n", ":2: expected 6 fields, found 5"),
        ("Word 1,Word 2,Human (mean),1,2,3\nx,y,5,1,2,11\n", ":2:6: rater 3: '11' is not a rating in 0…10"),
    ])
    func malformedRatingsAreOneLine(text: String, message: String) {
        #expect {
            _ = try RaterPopulation.fit(text: text, file: "r.csv")
        } throws: { error in
            let e = error as? ExplicableError
            return e?.kind == .badInput && e!.description.contains(message) && !e!.description.contains("\n")
        }
    }
}
