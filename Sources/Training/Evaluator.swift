import ExplicableCore

/// Runs a model over a data set in evaluation mode.
public enum Evaluator {
    /// The softmax probabilities of every sample, N×C row-major, in data-set order.
    public static func probabilities(
        model: Sequential, dataset: Dataset, normalization: Normalization, batchSize: Int = 250
    ) -> [Float] {
        let loader = BatchLoader(dataset: dataset, normalization: normalization)
        let order = Array(0..<dataset.count)
        let softmax = Tensor(shape: [0])
        var out: [Float] = []
        out.reserveCapacity(dataset.count * dataset.classes.count)
        var start = 0
        while start < dataset.count {
            var none: SeededGenerator? = nil
            loader.load(order, start..<min(start + batchSize, dataset.count), augmenting: &none)
            Softmax.softmax(model.forward(loader.batch, training: false), into: softmax)
            out += softmax.values
            start += batchSize
        }
        return out
    }
}
