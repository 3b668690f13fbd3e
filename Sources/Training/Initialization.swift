public import ExplicableCore

/// Weight initialisation.
public enum Initialization {
    /// PyTorch's default initialisation for `Conv2d` and `Linear`: Kaiming-uniform with `a = √5`,
    /// which makes the weight bound `1/√fanIn`, and the bias uniform in the same range; batch norm
    /// keeps scale 1 and shift 0. Walks into ``Sequential`` and ``Residual`` layers, in order.
    ///
    /// - Parameters:
    ///   - layer: the layer (or container) whose weights are set.
    ///   - generator: the seeded source; the same seed gives the same weights.
    public static func pytorchDefault(_ layer: any Layer, using generator: inout SeededGenerator) {
        switch layer {
        case let sequential as Sequential:
            for inner in sequential.layers { pytorchDefault(inner, using: &generator) }
        case let residual as Residual:
            pytorchDefault(residual.body, using: &generator)
            pytorchDefault(residual.shortcut, using: &generator)
        case let conv as Conv2d:
            let bound = 1 / Float(conv.inChannels * conv.kernelSize * conv.kernelSize).squareRoot()
            fill(conv.weight.value, bound: bound, using: &generator)
            if let bias = conv.bias { fill(bias.value, bound: bound, using: &generator) }
        case let linear as Linear:
            let bound = 1 / Float(linear.inFeatures).squareRoot()
            fill(linear.weight.value, bound: bound, using: &generator)
            fill(linear.bias.value, bound: bound, using: &generator)
        case let norm as BatchNorm:
            norm.scale.value.fill(1)
            norm.shift.value.fill(0)
        default:
            break
        }
    }

    private static func fill(_ tensor: Tensor, bound: Float, using generator: inout SeededGenerator) {
        for i in 0..<tensor.count { tensor.storage[i] = generator.uniform(-bound, bound) }
    }
}
