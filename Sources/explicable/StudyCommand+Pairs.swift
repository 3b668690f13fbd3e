import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import WordNet

/// What sparse class-pair studies need from outside Studies: the prior matrix (resolved with
/// ``MatrixBuilder``), and for class-neighbours screens WordNet definitions and CIFAR-10 examples.
enum StudyInputs {
    /// The prior a spec's `pairs` names (over `classes`) and the spec's folder for a pair file.
    static func pairs(
        spec: StudySpec, specURL: URL, classes: ClassSet, store: LabelStore, data: DataFolder,
        lmf: LMFOptions
    ) throws(ExplicableError) -> PairDesignInputs {
        var inputs = PairDesignInputs(specFolder: specURL.deletingLastPathComponent())
        if let source = spec.effectivePairs.prior {
            inputs.prior = try matrixBuilder(store: store, data: data, lmf: lmf).matrix(named: source, over: classes)
        }
        return inputs
    }

    /// Definitions (Open English WordNet glosses of the classes' synsets) and example images
    /// (CIFAR-10 test images, when the spec's `images` is `cifar10-test`) of a class-neighbours
    /// study; empty for other designs.
    static func details(of study: Study, data: DataFolder, lmf: LMFOptions) throws(ExplicableError) -> ClassDetails {
        guard study.spec.design == .classNeighbours else { return ClassDetails() }
        var details = ClassDetails()
        var classes = study.classes
        if classes.synsets.allSatisfy({ $0 == nil }), let builtIn = try? ClassSetCatalog.load(classes.name),
            builtIn.labels == classes.labels
        {
            classes = builtIn
        }
        if classes.synsets.contains(where: { $0 != nil }) {
            let graph = try WordNetGraph.load(try lmf.locate(in: data))
            details.definitions = classes.synsets.map { id in
                id.flatMap { graph.synset(forID: $0) }.flatMap { graph.synsetDefinition[Int($0)] }
            }
        }
        if case .cifar10Test = study.spec.images, (study.spec.screen?.examples ?? 3) > 0 {
            guard classes.labels == (try ClassSetCatalog.load("cifar10")).labels else {
                throw ExplicableError(
                    .badInput,
                    "study '\(study.spec.name)': cifar10-test example images need the cifar10 class set, not \(classes.name)"
                )
            }
            let url = try data.locate(
                ["cifar-10-batches-bin/test_batch.bin"], what: "CIFAR-10 test batch",
                fetchHint: "explicable data fetch cifar10")
            let batch = try CIFARBinary(url: url)
            details.examples = ClassDetails.cifar10Examples(
                labels: (0..<batch.count).map(batch.label),
                classes: classes.count, perClass: study.spec.effectiveScreen.examples!, seed: study.spec.seed)
        }
        return details
    }
}
