public import ExplicableCore
import Foundation
public import Training

/// What an out-of-distribution evaluation runs on: corruptions of a stratified test subset, and
/// extra sets from `DATA/ood/NAME/{images,labels}.npy`.
public struct OODRequest: Sendable {
    public var test: Dataset
    public var corruptions: [Corruption]
    public var severities: [Int]
    /// Test images to corrupt (a stratified subset).
    public var images: Int
    public var seed: UInt64
    public var sets: [OODSet]

    public init(
        test: Dataset, corruptions: [Corruption] = Corruption.allCases, severities: [Int] = [1, 2, 3, 4, 5],
        images: Int, seed: UInt64, sets: [OODSet] = []
    ) {
        self.test = test
        self.corruptions = corruptions
        self.severities = severities
        self.images = images
        self.seed = seed
        self.sets = sets
    }
}

/// The comparison step that `compare`, `report` and the demo share: models compared under one
/// matrix with bootstrap intervals, then (when asked) the same models out of distribution.
///
/// ```swift
/// let runs = try ["runs/ce", "runs/wlf"].map { try ComparedRun.read(URL(fileURLWithPath: $0)) }
/// let result = try Experiment.compare(runs.map { ComparedModel(name: $0.name, runs: [$0]) },
///                                     matrix: chl, threshold: 2, bootstrap: 1000, seed: 0, ood: nil)
/// ```
public enum Experiment {
    /// Compares `models` under `matrix`, and out of distribution when `ood` is given.
    ///
    /// - Throws: `ExplicableError` when the runs do not share classes and test labels, when a
    ///   model of several runs is asked for OOD (it evaluates one checkpoint per model) or a run
    ///   without a checkpoint is (before any work), or when the OOD test set's classes are not the runs'.
    public static func compare(
        _ models: [ComparedModel], matrix: EvaluationMatrix, threshold: Double, bootstrap: Int, seed: UInt64,
        ood: OODRequest?
    ) throws(ExplicableError) -> ModelComparison {
        if ood != nil, let run = models.flatMap(\.runs).first(where: { $0.checkpoint == nil }) {
            throw ExplicableError(
                .invalidArgument,
                "--ood runs each model from its checkpoint.ckpt; run \(run.name) has none (written by another "
                    + "trainer, e.g. the PyTorch recipe): compare it without --ood")
        }
        var result = try ModelComparison.compare(
            models: models, matrix: matrix, threshold: threshold, bootstrap: bootstrap, seed: seed)
        guard let ood else { return result }
        if let group = models.first(where: { $0.runs.count > 1 }) {
            throw ExplicableError(
                .invalidArgument,
                "--ood evaluates one run per model; \(group.name) has \(group.runs.count) (compare its runs one by one)"
            )
        }
        let runs = models.flatMap(\.runs)
        if let first = runs.first {
            try first.classes.requireSameOrder(as: ood.test.classes, "the test set", "the runs")
        }
        let oodModels = try runs.map { r throws(ExplicableError) in try OODModel(run: r) }
        result.ood = try OODComparison.evaluate(
            models: oodModels, test: ood.test, corruptions: ood.corruptions, severities: ood.severities,
            images: ood.images, seed: ood.seed, sets: ood.sets, matrix: matrix, threshold: threshold)
        return result
    }

    /// The models of `compare`'s RUN arguments: a folder is one model; `NAME=DIR,DIR,…` is one
    /// model of several runs (seeds).
    ///
    /// - Throws: `ExplicableError` when a folder is not a run folder.
    public static func models(_ arguments: [String]) throws(ExplicableError) -> [ComparedModel] {
        var models: [ComparedModel] = []
        for argument in arguments {
            let (name, paths) = modelArgument(argument)
            var group: [ComparedRun] = []
            for path in paths { group.append(try ComparedRun.read(URL(fileURLWithPath: path))) }
            models.append(ComparedModel(name: name ?? group[0].name, runs: group))
        }
        return models
    }

    /// Splits a RUN argument: a folder, or `NAME=DIR,DIR,…`.
    public static func modelArgument(_ argument: String) -> (name: String?, paths: [String]) {
        guard let equals = argument.firstIndex(of: "="), !argument[..<equals].contains("/") else {
            return (nil, [argument])
        }
        return (
            String(argument[..<equals]),
            argument[argument.index(after: equals)...].split(separator: ",").map(String.init)
        )
    }
}
