public import ExplicableCore
public import Foundation
public import LabelStore

/// A trained model's test-set predictions, read from a training run folder.
public struct ReviewRun: Sendable, Equatable {
    /// The run's name: its folder name.
    public var name: String
    /// Top-1 class per test image, in test-set order.
    public var predictions: [Int]
    /// The true class per test image, in test-set order.
    public var labels: [Int]

    public init(name: String, predictions: [Int], labels: [Int]) {
        precondition(predictions.count == labels.count, "predictions and labels differ in length")
        self.name = name
        self.predictions = predictions
        self.labels = labels
    }

    /// Reads `predictions.npy` and `labels.npy` (integer or float dtype, one class index per test
    /// image) from the run folder `folder`.
    /// - Throws: `ExplicableError` naming the file when one is missing, not one-dimensional, of a
    ///   different length than the other, or holds a value that is not a class index below `classCount`.
    public static func load(_ folder: URL, classCount: Int) throws(ExplicableError) -> ReviewRun {
        func classes(_ file: String) throws(ExplicableError) -> [Int] {
            let url = folder.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ExplicableError(.badInput, "missing: a training run folder holds \(file)", file: url.path)
            }
            let array = try NPYArray.read(url)
            guard array.shape.count == 1 else {
                throw .badInput("expected a 1-D array of class indices, found shape \(array.shape)", file: url.path)
            }
            var out: [Int] = []
            out.reserveCapacity(array.shape[0])
            for (i, v) in array.doubles.enumerated() {
                guard v.rounded() == v, v >= 0, v < Double(classCount) else {
                    throw .badInput("element \(i) is \(v), not a class index in 0..<\(classCount)", file: url.path)
                }
                out.append(Int(v))
            }
            return out
        }
        let predictions = try classes("predictions.npy")
        let labels = try classes("labels.npy")
        guard predictions.count == labels.count else {
            throw .badInput(
                "holds \(predictions.count) predictions but labels.npy holds \(labels.count) labels",
                file: folder.appendingPathComponent("predictions.npy").path)
        }
        return ReviewRun(name: folder.standardizedFileURL.lastPathComponent, predictions: predictions, labels: labels)
    }
}

/// The images and items of a mistake review: test images that every given model gets wrong, and
/// one item per (image, distinct wrong prediction), so each model's mistake is rated on its own.
///
/// When two models make the same mistake on an image, one item serves both. Item `i` of
/// ``entries`` becomes the study item `image:i`.
public struct MistakeReview: Sendable, Equatable {
    /// One item: a test image, its true class, one wrong prediction and the models that made it.
    public struct Entry: Sendable, Equatable, Codable {
        /// The item's key in the study (`image:N`).
        public var item: String
        /// The image reference (`cifar10-test:N`).
        public var image: String
        /// The index in the test set.
        public var testIndex: Int
        public var trueClass: Int
        public var prediction: Int
        /// The runs that predicted ``prediction``, in the order given.
        public var models: [String]
    }

    /// The runs compared, in the order given.
    public var models: [String]
    /// Test images misclassified by every run.
    public var candidates: Int
    /// The items, by image (ascending test index), then prediction (ascending).
    public var entries: [Entry]

    /// Chooses `count` test images misclassified by every run, seeded, and makes their items.
    ///
    /// The choice is a Fisher–Yates shuffle of the candidates (ascending test index) driven by
    /// `SeededGenerator`, of which the first `count` are kept: the same runs, count and seed
    /// always give the same images.
    /// - Throws: `ExplicableError` when runs share a name, differ in test-set size or labels, or
    ///   fewer than `count` images are misclassified by all of them (the message says how many are).
    public static func select(runs: [ReviewRun], count: Int, seed: UInt64) throws(ExplicableError) -> MistakeReview {
        guard let first = runs.first else { throw ExplicableError(.invalidArgument, "no training runs given") }
        guard count >= 1 else { throw ExplicableError(.invalidArgument, "the number of images must be at least 1") }
        var seen = Set<String>()
        for run in runs where !seen.insert(run.name).inserted {
            throw ExplicableError(
                .invalidArgument, "two runs are named '\(run.name)': a run's name is its folder's name")
        }
        for run in runs.dropFirst() {
            guard run.labels.count == first.labels.count else {
                throw ExplicableError(
                    .badInput,
                    "run '\(run.name)' has \(run.labels.count) test images but '\(first.name)' has \(first.labels.count)"
                )
            }
            if let i = run.labels.indices.first(where: { run.labels[$0] != first.labels[$0] }) {
                throw ExplicableError(
                    .badInput,
                    "runs '\(first.name)' and '\(run.name)' disagree on the label of test image \(i): not the same test set"
                )
            }
        }
        let candidates = first.labels.indices.filter { i in runs.allSatisfy { $0.predictions[i] != $0.labels[i] } }
        guard candidates.count >= count else {
            throw ExplicableError(
                .invalidArgument,
                "only \(candidates.count) test images are misclassified by every run "
                    + "(\(runs.map(\.name).joined(separator: ", "))), but \(count) were asked for")
        }
        var pool = candidates
        var random = SeededGenerator(seed: seed)
        for i in 0..<count {
            // Uniform in i..<pool.count via the high word of a 64×64-bit product (bias below 2^-50).
            let j = i + Int(random.next().multipliedFullWidth(by: UInt64(pool.count - i)).high)
            pool.swapAt(i, j)
        }
        var entries: [Entry] = []
        for index in pool.prefix(count).sorted() {
            let wrong = Set(runs.map { $0.predictions[index] }).sorted()
            for prediction in wrong {
                entries.append(
                    Entry(
                        item: "image:\(entries.count)", image: "cifar10-test:\(index)", testIndex: index,
                        trueClass: first.labels[index], prediction: prediction,
                        models: runs.filter { $0.predictions[index] == prediction }.map(\.name)))
            }
        }
        return MistakeReview(models: runs.map(\.name), candidates: candidates.count, entries: entries)
    }

    /// The spec's `list` image source: one image per entry, with its one prediction.
    public var images: [StudySpec.ImageSource.LabelledImage] {
        entries.map { .init(image: $0.image, trueClass: $0.trueClass, predictions: [$0.prediction]) }
    }

    /// The models of each item, by item key, as ``Study/create(spec:specJSON:classes:in:inputs:reviewModels:now:)`` stores them.
    public var modelsByItem: [String: [String]] {
        Dictionary(uniqueKeysWithValues: entries.map { ($0.item, $0.models) })
    }

    /// The mapping file (`review-models.json`): study name, models, and every item with the models
    /// that made its prediction.
    public func mappingJSON(study: String) -> Data {
        struct Mapping: Encodable {
            var study: String
            var models: [String]
            var candidates: Int
            var items: [Entry]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(Mapping(study: study, models: models, candidates: candidates, items: entries)))
            ?? Data()
    }
}

extension MistakeReview {
    /// What ``prepare(spec:runs:out:images:seed:name:data:templates:store:imageScale:)`` made.
    public struct Setup: Sendable {
        public var review: MistakeReview
        public var study: Study
        public var plan: TaskPlan
        /// The study's spec, with the chosen images as a `list` source.
        public var specFile: URL
        /// `review-models.json`.
        public var mappingFile: URL
    }

    /// Sets up a mistake review end to end: reads the spec and the runs, chooses the images,
    /// checks the runs' labels against the CIFAR-10 test batch, creates the study in the store
    /// (with which model made each item's prediction), and writes into `out` the study's spec
    /// (`<name>.json`), `review-models.json`, and the task pages with their images.
    ///
    /// Everything is read and checked before the store or `out` is written.
    /// - Parameters:
    ///   - specURL: a `mistake-review` spec; its `model-mistakes` count is the default for `images`.
    ///   - runFolders: the training run folders whose mistakes are reviewed (their test labels must
    ///     be CIFAR-10's test batch).
    ///   - out: the folder the spec, `review-models.json`, pages and images are written into.
    ///   - images: how many test images to review; `nil` takes the spec's count.
    ///   - seed: seeds the choice of images; `nil` takes the spec's seed.
    ///   - name: the study's name; `nil` keeps the spec's name.
    ///   - data: the data folder holding the CIFAR-10 test batch.
    ///   - templates: the folder of the page templates.
    ///   - store: the label store the study is created in.
    ///   - imageScale: the PNGs' nearest-neighbour enlargement (4: 128×128).
    public static func prepare(
        spec specURL: URL, runs runFolders: [URL], out: URL, images: Int?, seed: UInt64?, name: String?,
        data: DataFolder, templates: URL, store: LabelStore, imageScale: Int = 4
    ) throws(ExplicableError) -> Setup {
        var (spec, _) = try StudySpec.load(specURL)
        guard spec.design == .mistakeReview else {
            throw ExplicableError(
                .badInput, "field 'design' is '\(spec.design.rawValue)', not mistake-review",
                file: specURL.path)
        }
        let specFolder = specURL.deletingLastPathComponent()
        let classes = try ClassSetCatalog.load(spec.classSet, relativeTo: specFolder)
        var count = images
        if count == nil, case .modelMistakes(let n) = spec.images { count = n }
        guard let count else {
            throw ExplicableError(
                .invalidArgument,
                "the spec's images are not a model-mistakes source: say how many with --images", file: specURL.path)
        }
        let testFile = try data.locate(
            ["cifar-10-batches-bin/test_batch.bin"], what: "CIFAR-10 (binary version) test_batch.bin",
            fetchHint: "put the CIFAR-10 binary release in the data folder")
        let test = try CIFARBinary(url: testFile)
        var runs: [ReviewRun] = []
        for folder in runFolders {
            let run = try ReviewRun.load(folder, classCount: classes.count)
            let labelsFile = folder.appendingPathComponent("labels.npy").path
            guard run.labels.count == test.count else {
                throw ExplicableError(
                    .badInput,
                    "holds \(run.labels.count) labels but \(testFile.lastPathComponent) has \(test.count) test images",
                    file: labelsFile)
            }
            if let i = run.labels.indices.first(where: { run.labels[$0] != test.label($0) }) {
                throw ExplicableError(
                    .badInput,
                    "element \(i) is \(run.labels[i]) but \(testFile.lastPathComponent) labels test image \(i) \(test.label(i))",
                    file: labelsFile)
            }
            runs.append(run)
        }
        let review = try select(runs: runs, count: count, seed: seed ?? spec.seed)
        guard review.entries.count >= spec.itemsPerAssignment else {
            throw ExplicableError(
                .invalidArgument,
                "\(count) images give \(review.entries.count) items, fewer than the spec's itemsPerAssignment "
                    + "(\(spec.itemsPerAssignment)): ask for more images or lower itemsPerAssignment")
        }

        if let name { spec.name = name }
        spec.images = .list(review.images)
        if !ClassSetCatalog.builtInNames.contains(spec.classSet), !spec.classSet.hasPrefix("/") {
            // The spec is written elsewhere: a class-set path relative to the original spec must stay valid.
            let beside = specFolder.appendingPathComponent(spec.classSet)
            spec.classSet =
                FileManager.default.fileExists(atPath: beside.path)
                ? beside.standardizedFileURL.path
                : URL(fileURLWithPath: spec.classSet).standardizedFileURL.path
        }
        try spec.validate(file: "--name")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let specJSON: String
        do { specJSON = String(decoding: try encoder.encode(spec), as: UTF8.self) + "\n" } catch {
            throw ExplicableError(.io, "cannot encode the study spec: \(error)")
        }

        let study = try Study.create(
            spec: spec, specJSON: specJSON, classes: classes, in: store,
            reviewModels: review.modelsByItem)
        let plan = try TaskPlan(study: study)
        var writer = try TaskWriter(study: study, plan: plan, templates: templates)
        writer.imageScale = imageScale
        let specFile = out.appendingPathComponent("\(spec.name).json")
        let mappingFile = out.appendingPathComponent("review-models.json")
        try writer.write(to: out, data: data)
        for (contents, url) in [(Data(specJSON.utf8), specFile), (review.mappingJSON(study: spec.name), mappingFile)] {
            do { try contents.write(to: url, options: .atomic) } catch {
                throw ExplicableError(.io, "cannot write: \(error.localizedDescription)", file: url.path)
            }
        }
        return Setup(review: review, study: study, plan: plan, specFile: specFile, mappingFile: mappingFile)
    }
}
