import ExplicableCore
import Foundation
import Testing
import TestSupport
import WordNet

/// What the `wordnet` commands compute, checked on the library calls they make (moved here from
/// `explicableTests/WordNetCommandTests`, which keeps only the CLI: arguments, exit codes, output format).
struct MiniWordNetCommandLogicTests {
    let taxonomy: Taxonomy
    let classes: ClassSet

    init() throws {
        taxonomy = Taxonomy(try LMFReader.read(fixture("mini.xml")))
        classes = try ClassSet.readTSV(fixture("mini-classes.tsv"))
    }

    /// The numbers `wordnet info` prints.
    @Test func summaryOfTheMiniWordNet() throws {
        let summary = Taxonomy(try LMFReader.read(fixture("mini.xml.gz"))).summary()
        #expect(summary.lexicons.map(\.id) == ["mini"])
        #expect(summary.lexicons[0].label == "Mini WordNet" && summary.lexicons[0].version == "1.0")
        #expect(summary.entries == 13 && summary.senses == 14 && summary.synsets == 11)
        #expect(summary.synsetsByPartOfSpeech == ["n": 10, "v": 1])
        #expect(summary.taxonomyDepth == ["n": 5, "v": 0])
    }

    /// `wordnet matrix --measure wup`: the table's header and first row.
    @Test func wupMatrixTable() throws {
        let matrix = try SimilarityCalculator(taxonomy: taxonomy, informationContent: false).matrix(
            .wup, classes: classes)
        #expect(matrix.kind == .similarity && matrix.classes.name == "mini-classes")
        let lines = matrix.table(digits: 3).split(separator: "\n")
        #expect(lines[0].split(separator: " ") == ["dog", "cat", "Rex", "companion"])
        #expect(lines[1].split(separator: " ") == ["dog", "1.000", "0.800", "0.909", "0.857"])
    }

    /// `wordnet matrix --measure lca-height -o m.{npy,csv,json}`.
    @Test(arguments: ["npy", "csv", "json"])
    func lcaHeightMatrixFiles(format: String) throws {
        let matrix = try SimilarityCalculator(taxonomy: taxonomy, informationContent: false)
            .matrix(.lcaHeight, classes: classes)
        let out = try temporaryFolder().appendingPathComponent("m.\(format)")
        try matrix.write(to: out)
        let data = try Data(contentsOf: out)
        switch format {
        case "npy": #expect(data.count == 128 + 16 * 8)
        case "csv":
            #expect(
                String(decoding: data, as: UTF8.self).hasPrefix("class,dog,cat,Rex,companion\ndog,0.0,1.0,1.0,1.0\n"))
        default: #expect(String(decoding: data, as: UTF8.self).contains("\"kind\" : \"distance\""))
        }
    }

    /// What `wordnet lookup Dog` and `wordnet lookup i9` list: senses, ILI, lemmas, definition, hypernyms.
    @Test func lookupFindsSensesAndHypernymChains() throws {
        let graph = taxonomy.graph
        let dogs = graph.synsets(forLemma: "Dog")
        #expect(dogs.map { graph.synsetIDs[Int($0)] } == ["mini-D", "mini-C"])
        let dog = dogs[0]
        #expect(graph.synsetPOS[Int(dog)] == "n" && graph.synsetILI[Int(dog)] == "i7")
        #expect(graph.lemmas(of: dog) == ["dog", "Domestic Dog", "doggy"])
        #expect(graph.synsetDefinition[Int(dog)] == "a domesticated canid")
        #expect(
            taxonomy.hypernymChain(of: dog).map { graph.displayName($0) } == [
                "animal", "object", "physical entity", "entity",
            ])
        #expect(graph.hypernyms(of: dog).dropFirst().map { graph.displayName($0) } == ["companion"])
        let rex = try #require(graph.synset(forID: "i9"))
        #expect(graph.synsetIDs[Int(rex)] == "mini-R" && graph.synsetILI[Int(rex)] == "i9")
        #expect(graph.synset(forID: "unicorn") == nil && graph.synsets(forLemma: "unicorn").isEmpty)
    }

    /// `wordnet map`: which classes resolve and how the others are described.
    @Test func mapperListsAmbiguousAndMissingClasses() throws {
        let graph = taxonomy.graph
        let pets = try ClassSet(name: "pets", labels: ["dog", "cat", "unicorn"])
        let mapper = ClassSetMapper(graph: graph)
        let report = mapper.check(pets)
        #expect(!report.isComplete)
        #expect(report.outcomes[1] == .resolved(synset: graph.synsetIndex["mini-C"]!, via: "lemma"))
        #expect(graph.synsetDefinition[Int(graph.synsetIndex["mini-C"]!)] == "a small feline")
        let problems = mapper.describeProblems(report)
        #expect(problems.count == 2)
        #expect(problems[0].hasPrefix("class 0 'dog': ambiguous, 2 noun synsets"), "\(problems)")
        #expect(problems[1].hasPrefix("class 2 'unicorn': missing"), "\(problems)")
        let ok = mapper.check(classes)
        #expect(ok.isComplete && ok.outcomes.count == 4 && mapper.describeProblems(ok).isEmpty)
    }

    /// `wordnet slice`: every measure's matrix from the slice equals the full wordnet's, and the slice
    /// drops the synsets no class needs (the second root and the verb).
    @Test func sliceGivesTheSameMatricesForEveryMeasure() throws {
        let synsets = try ClassSetMapper(graph: taxonomy.graph).resolve(classes)
        let url = try temporaryFolder().appendingPathComponent("slice.xml")
        try SliceWriter.write(taxonomy, around: synsets, to: url)
        let slice = Taxonomy(try LMFReader.read(url))
        #expect(Measure.allCases.map(\.rawValue) == ["path", "wup", "lch", "lca-height", "res", "lin", "jcn"])
        for measure in Measure.allCases {
            let ic = measure.usesInformationContent
            let full = try SimilarityCalculator(taxonomy: taxonomy, informationContent: ic).matrix(
                measure, classes: classes)
            let small = try SimilarityCalculator(taxonomy: slice, informationContent: ic).matrix(
                measure, classes: classes)
            #expect(full.values.count == 16)
            #expect(zip(full.values, small.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "\(measure)")
        }
        let summary = slice.summary()
        #expect(summary.synsets == 9 && summary.synsetsByPartOfSpeech == ["n": 9], "\(summary)")
    }
}
