public import ExplicableCore
public import Foundation

/// Which split of a data set to read.
public enum Split: String, Sendable, Codable {
    case train
    case test
}

/// Reads the data sets the trainer knows: CIFAR-10 and CIFAR-100 in their binary layouts, and
/// feature vectors with labels from `.npy` files. Every reader checks the whole input before it
/// returns and reports the first problem as one `ExplicableError` naming the file.
///
/// ```swift
/// let folder = URL(fileURLWithPath: "data/cifar-10-batches-bin")
/// let train = try DatasetReader.cifar10(folder: folder, split: .train)   // 50,000 images
/// let small = try train.stratifiedSubset(2_500, seed: 0)                 // 250 per class
/// let features = try DatasetReader.features(
///     features: URL(fileURLWithPath: "x.npy"), labels: URL(fileURLWithPath: "y.npy"), classes: small.classes)
/// ```
public enum DatasetReader {
    /// CIFAR-10's class names in label order (as `batches.meta.txt` lists them).
    public static let cifar10Labels = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]

    /// CIFAR-100's 100 fine classes in label order (alphabetical, as `fine_label_names.txt`).
    public static let cifar100FineLabels = [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle", "bowl", "boy",
        "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle", "chair", "chimpanzee", "clock",
        "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish",
        "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion",
        "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse", "mushroom", "oak_tree", "orange",
        "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree", "plain", "plate", "poppy", "porcupine",
        "possum", "rabbit", "raccoon", "ray", "road", "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk",
        "skyscraper", "snail", "snake", "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank",
        "telephone", "television", "tiger", "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale",
        "willow_tree", "wolf", "woman", "worm",
    ]

    /// CIFAR-100's 20 coarse classes (superclasses) in label order (`coarse_label_names.txt`).
    public static let cifar100CoarseLabels = [
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables", "household_electrical_devices",
        "household_furniture", "insects", "large_carnivores", "large_man-made_outdoor_things",
        "large_natural_outdoor_scenes", "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates",
        "people", "reptiles", "small_mammals", "trees", "vehicles_1", "vehicles_2",
    ]

    /// The folder of the CIFAR-10 binary release inside a data folder.
    public static let cifar10Folder = "cifar-10-batches-bin"
    /// The folder of the CIFAR-100 binary release inside a data folder.
    public static let cifar100Folder = "cifar-100-binary"

    /// The files of a CIFAR-10 split, in order.
    public static func cifar10Files(_ split: Split) -> [String] {
        split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
    }

    /// The file of a CIFAR-100 split.
    public static func cifar100File(_ split: Split) -> String { split == .train ? "train.bin" : "test.bin" }

    /// Reads a CIFAR-10 split from `folder` (the folder holding `data_batch_1.bin` …).
    ///
    /// - Throws: `ExplicableError`: `missingData` for a missing file, `badInput` for a file whose
    ///   size is not a whole, positive number of 3,073-byte records or whose label byte is above 9.
    public static func cifar10(folder: URL, split: Split) throws(ExplicableError) -> Dataset {
        var bytes: [UInt8] = [], labels: [Int32] = []
        for name in cifar10Files(split) {
            try readCIFAR(
                folder.appendingPathComponent(name), labelBytes: 1, labelIndex: 0, classCount: 10, what: "CIFAR-10",
                fetchHint: "explicable data fetch cifar10", into: &bytes, labels: &labels)
        }
        let classes = try ClassSet(name: "cifar10", labels: cifar10Labels)
        return Dataset(source: folder.path, samples: .images(bytes), labels: labels, classes: classes)
    }

    /// Reads a CIFAR-100 split from `folder` (the folder holding `train.bin` and `test.bin`).
    ///
    /// Each record has a coarse and a fine label byte, then the image.
    ///
    /// - Parameters:
    ///   - folder: the folder holding `train.bin` and `test.bin`.
    ///   - split: which of the two files to read.
    ///   - coarse: use the 20 superclasses instead of the 100 fine classes.
    /// - Throws: `ExplicableError` as ``cifar10(folder:split:)``, with 3,074-byte records, coarse
    ///   labels below 20 and fine labels below 100.
    public static func cifar100(folder: URL, split: Split, coarse: Bool = false) throws(ExplicableError) -> Dataset {
        var bytes: [UInt8] = [], labels: [Int32] = []
        let url = folder.appendingPathComponent(cifar100File(split))
        try readCIFAR(
            url, labelBytes: 2, labelIndex: coarse ? 0 : 1, classCount: coarse ? 20 : 100, what: "CIFAR-100",
            fetchHint: "explicable data fetch cifar100", into: &bytes, labels: &labels,
            otherLabel: (coarse ? 1 : 0, coarse ? 100 : 20))
        let classes = try ClassSet(
            name: coarse ? "cifar100-coarse" : "cifar100", labels: coarse ? cifar100CoarseLabels : cifar100FineLabels)
        return Dataset(source: folder.path, samples: .images(bytes), labels: labels, classes: classes)
    }

    /// Checks that `data` holds well-formed CIFAR records (used on downloads before they are kept).
    static func checkCIFAR(_ data: Data, labelBytes: Int, file: String) throws(ExplicableError) {
        var bytes: [UInt8] = [], labels: [Int32] = []
        try parseCIFAR(
            data, file: file, labelBytes: labelBytes, labelIndex: labelBytes - 1,
            classCount: labelBytes == 1 ? 10 : 100,
            into: &bytes, labels: &labels, otherLabel: labelBytes == 2 ? (0, 20) : nil, keep: false)
    }

    private static func readCIFAR(
        _ url: URL, labelBytes: Int, labelIndex: Int, classCount: Int, what: String, fetchHint: String,
        into bytes: inout [UInt8], labels: inout [Int32], otherLabel: (index: Int, limit: Int)? = nil
    ) throws(ExplicableError) {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ExplicableError(
                .missingData,
                "\(what) file not found: expected \(url.path) (run '\(fetchHint)', or pass --data DIR / set "
                    + "EXPLICABLE_DATA to a folder that has it)")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw ExplicableError(.io, "cannot read: \(error.localizedDescription)", file: url.path)
        }
        try parseCIFAR(
            data, file: url.path, labelBytes: labelBytes, labelIndex: labelIndex, classCount: classCount,
            into: &bytes, labels: &labels, otherLabel: otherLabel, keep: true)
    }

    private static func parseCIFAR(
        _ data: Data, file: String, labelBytes: Int, labelIndex: Int, classCount: Int, into bytes: inout [UInt8],
        labels: inout [Int32], otherLabel: (index: Int, limit: Int)?, keep: Bool
    ) throws(ExplicableError) {
        let record = labelBytes + Dataset.imageSize
        guard !data.isEmpty, data.count % record == 0 else {
            throw ExplicableError.badInput(
                "wrong file size: \(data.count) bytes is not a positive multiple of the \(record)-byte record "
                    + "(\(labelBytes) label byte\(labelBytes == 1 ? "" : "s") + 3×32×32 pixels)",
                file: file)
        }
        let n = data.count / record
        if keep {
            bytes.reserveCapacity(bytes.count + n * Dataset.imageSize)
            labels.reserveCapacity(labels.count + n)
        }
        let failure: ExplicableError? = data.withUnsafeBytes { raw -> ExplicableError? in
            let base = raw.bindMemory(to: UInt8.self)
            for i in 0..<n {
                let label = Int(base[i * record + labelIndex])
                guard label < classCount else {
                    return .badInput("record \(i): label byte \(label) is out of range 0…\(classCount - 1)", file: file)
                }
                if let otherLabel, Int(base[i * record + otherLabel.index]) >= otherLabel.limit {
                    let value = base[i * record + otherLabel.index]
                    return .badInput(
                        "record \(i): label byte \(otherLabel.index + 1) is \(value), out of range 0…\(otherLabel.limit - 1)",
                        file: file)
                }
                if keep {
                    labels.append(Int32(label))
                    let start = i * record + labelBytes
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: base[start..<(start + Dataset.imageSize)]))
                }
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Reads feature vectors (`features`: N×D float32 `.npy`) and their labels (`labels`: N int64
    /// or uint8 `.npy`).
    ///
    /// - Parameters:
    ///   - features: the N×D float32 `.npy` file.
    ///   - labelsURL: the N labels' `.npy` file (int64 or uint8), in the rows' order.
    ///   - classes: the classes; labels must be below its count.
    /// - Throws: `ExplicableError` (`badInput`) naming the file: wrong dtype or rank, a value that
    ///   is NaN or infinite (with its row and column), a label out of range (with its index), or a
    ///   label count that differs from the feature rows.
    public static func features(features: URL, labels labelsURL: URL, classes: ClassSet) throws(ExplicableError)
        -> Dataset
    {
        let x = try NPYArray.read(features)
        guard case .float32(let values) = x.storage, x.shape.count == 2 else {
            throw ExplicableError.badInput(
                "features must be a 2-D float32 (<f4) array N×D, got \(x.storage.descriptor) of shape \(x.shape)",
                file: features.path)
        }
        let (n, d) = (x.shape[0], x.shape[1])
        guard n > 0 && d > 0 else {
            throw ExplicableError.badInput("features array of shape \(x.shape) is empty", file: features.path)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ExplicableError.badInput(
                "row \(bad / d), column \(bad % d) is \(values[bad]) (features must be finite)", file: features.path)
        }
        let y = try NPYArray.read(labelsURL)
        let raw: [Int64]
        switch y.storage {
        case .int64(let v): raw = v
        case .uint8(let v): raw = v.map(Int64.init)
        default:
            throw ExplicableError.badInput(
                "labels must be int64 (<i8) or uint8 (|u1), got \(y.storage.descriptor)", file: labelsURL.path)
        }
        guard y.shape.count == 1 || (y.shape.count == 2 && y.shape[1] == 1) else {
            throw ExplicableError.badInput(
                "labels must be a 1-D array of N entries, got shape \(y.shape)", file: labelsURL.path)
        }
        guard raw.count == n else {
            throw ExplicableError.badInput(
                "\(raw.count) labels for the \(n) feature rows of \(features.path) (N must match)", file: labelsURL.path
            )
        }
        if let bad = raw.firstIndex(where: { $0 < 0 || $0 >= classes.count }) {
            throw ExplicableError.badInput(
                "label \(bad) is \(raw[bad]), out of range 0…\(classes.count - 1) for \(classes.count) classes",
                file: labelsURL.path)
        }
        return Dataset(
            source: features.path, samples: .features(values, dimension: d), labels: raw.map { Int32($0) },
            classes: classes)
    }

    /// The most classes ``classCount(labels:)`` infers from labels (ImageNet-21k has 21,841); a
    /// larger label is far more likely a corrupt file than a real class, and would size the
    /// model's output layer from it.
    public static let maxInferredClassCount = 100_000

    /// The largest label in a labels `.npy` file plus one (the class count when no class list is given).
    /// - Throws: `ExplicableError` (`badInput`) for a negative label, or one at or above
    ///   ``maxInferredClassCount`` (naming its index).
    public static func classCount(labels url: URL) throws(ExplicableError) -> Int {
        let y = try NPYArray.read(url)
        let raw: [Int64]
        switch y.storage {
        case .int64(let v): raw = v
        case .uint8(let v): return Int(v.max() ?? 0) + 1
        default:
            throw ExplicableError.badInput(
                "labels must be int64 (<i8) or uint8 (|u1), got \(y.storage.descriptor)", file: url.path)
        }
        if let bad = raw.firstIndex(where: { $0 < 0 || $0 >= maxInferredClassCount }) {
            throw ExplicableError.badInput(
                "label \(bad) is \(raw[bad]), out of range 0…\(maxInferredClassCount - 1) for classes inferred "
                    + "from the labels (pass --classes for a class list)", file: url.path)
        }
        return Int(raw.max() ?? -1) + 1
    }
}
