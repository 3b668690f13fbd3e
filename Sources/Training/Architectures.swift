/// The network architectures the trainer builds.
public enum Architecture: String, Sendable, CaseIterable {
    /// A small CNN for 32×32 RGB images: three conv stages (32, 32 | 64, 64 | 128 channels, each
    /// conv 3×3 with padding 1, batch norm and ReLU, each stage ending in a 2×2 max-pool), then
    /// linear 2048→256 + ReLU and linear 256→C. The convolutions have no bias (batch norm follows).
    /// The first convolution computes no input gradient.
    case cnnS = "cnn-s"

    /// Builds the network for `classCount` classes with PyTorch's default initialisation.
    ///
    /// - Parameter seed: the same seed gives the same weights.
    public func makeModel(classCount: Int, seed: UInt64) -> Sequential {
        precondition(classCount > 0, "class count must be positive")
        let model: Sequential
        switch self {
        case .cnnS:
            func block(_ cin: Int, _ cout: Int) -> [any Layer] {
                [Conv2d(inChannels: cin, outChannels: cout, kernelSize: 3, padding: 1, bias: false),
                 BatchNorm(channels: cout), ReLU()]
            }
            model = Sequential(
                block(3, 32) + block(32, 32) + [MaxPool2x2()]
                    + block(32, 64) + block(64, 64) + [MaxPool2x2()]
                    + block(64, 128) + [MaxPool2x2()]
                    + [Linear(inFeatures: 2048, outFeatures: 256), ReLU(), Linear(inFeatures: 256, outFeatures: classCount)])
        }
        (model.layers.first as? Conv2d)?.computesInputGradient = false
        var generator = SeededGenerator(seed: seed)
        Initialization.pytorchDefault(model, using: &generator)
        return model
    }
}
