public import ExplicableCore
public import Foundation

/// IHL: the matrix of instance-level human labels (Olmo et al.): how often people chose class
/// `j` for images whose true class is `i`, row-normalised. A similarity; rows sum to 1.
public enum InstanceLabels {
    /// From per-image choice counts (`counts[image * classes + class]`) and each image's true class.
    /// - Throws: when the sizes disagree, a label is out of range, a count is negative or not a
    ///   whole number, or a class has no labelled image.
    public static func matrix(counts: [Double], trueLabels: [Int], classes: ClassSet, source: String)
        throws(ExplicableError) -> (matrix: ClassMatrix, labels: Int)
    {
        let c = classes.count
        guard counts.count == trueLabels.count * c else {
            throw ExplicableError.badInput(
                "\(source): \(counts.count / max(c, 1)) images of counts but \(trueLabels.count) true labels")
        }
        var confusion = [Double](repeating: 0, count: c * c)
        var total = 0.0
        for (image, y) in trueLabels.enumerated() {
            guard (0..<c).contains(y) else {
                throw ExplicableError.badInput("\(source): image \(image) has true label \(y), outside 0…\(c - 1)")
            }
            for j in 0..<c {
                let v = counts[image * c + j]
                guard v.isFinite, v >= 0, v == v.rounded() else {
                    throw ExplicableError.badInput(
                        "\(source): image \(image), class \(j): count \(v) is not a whole number ≥ 0")
                }
                confusion[y * c + j] += v
                total += v
            }
        }
        for i in 0..<c {
            let sum = confusion[(i * c)..<((i + 1) * c)].reduce(0, +)
            guard sum > 0 else {
                throw ExplicableError.badInput("\(source): no labels for images of class '\(classes.labels[i])'")
            }
            for j in 0..<c { confusion[i * c + j] /= sum }
        }
        let matrix = ClassMatrix(
            classes: classes, kind: .similarity, values: confusion,
            provenance: .init(
                source: "instance-labels",
                parameters: [
                    "from": source, "images": String(trueLabels.count), "labels": ClassMatrix.formatNumber(total),
                    "rule": "row-normalised counts of chosen class per true class",
                ]))
        return (matrix, Int(total))
    }

    /// From an images × classes counts `.npy` (e.g. CIFAR-10H's `cifar10h-counts.npy`) and the
    /// true labels of the same images in the same order.
    public static func matrix(countsFile: URL, trueLabels: [Int], classes: ClassSet) throws(ExplicableError)
        -> (matrix: ClassMatrix, labels: Int)
    {
        let array = try NPYArray.read(countsFile)
        guard array.shape.count == 2, array.shape[1] == classes.count else {
            throw ExplicableError.badInput(
                "counts must have shape (images, \(classes.count)), found \(array.shape)", file: countsFile.path)
        }
        guard array.shape[0] == trueLabels.count else {
            throw ExplicableError.badInput(
                "\(array.shape[0]) images of counts, but \(trueLabels.count) true labels", file: countsFile.path)
        }
        return try matrix(
            counts: array.doubles, trueLabels: trueLabels, classes: classes, source: countsFile.lastPathComponent)
    }

    /// From an instance-label study's choices per image (as `LabelStore.instanceChoiceCounts`
    /// returns them, keyed `cifar10-test:N`) and the test set's labels.
    public static func matrix(choices: [String: [Int: Int]], testLabels: [Int], classes: ClassSet, study: String)
        throws(ExplicableError) -> (matrix: ClassMatrix, labels: Int)
    {
        var counts: [Double] = []
        var labels: [Int] = []
        for (image, chosen) in choices.sorted(by: { $0.key < $1.key }) {
            guard image.hasPrefix("cifar10-test:"), let n = Int(image.dropFirst("cifar10-test:".count)),
                testLabels.indices.contains(n)
            else {
                throw ExplicableError.badInput(
                    "study '\(study)': image '\(image)' is not a CIFAR-10 test image, so its true class is unknown")
            }
            labels.append(testLabels[n])
            var row = [Double](repeating: 0, count: classes.count)
            for (c, k) in chosen where (0..<classes.count).contains(c) { row[c] += Double(k) }
            counts += row
        }
        guard !labels.isEmpty else {
            throw ExplicableError.badInput(
                "study '\(study)' has no accepted instance labels (import responses and run 'explicable study qc' first)"
            )
        }
        return try matrix(counts: counts, trueLabels: labels, classes: classes, source: "study \(study)")
    }
}
