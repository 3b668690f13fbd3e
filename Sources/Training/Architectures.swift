import ExplicableCore

/// The network architectures the trainer builds.
public enum Architecture: String, Sendable, CaseIterable {
    /// A small CNN for 32×32 RGB images: three conv stages (32, 32 | 64, 64 | 128 channels, each
    /// conv 3×3 with padding 1, batch norm and ReLU, each stage ending in a 2×2 max-pool), then
    /// linear 2048→256 + ReLU and linear 256→C. The convolutions have no bias (batch norm follows).
    /// The first convolution computes no input gradient.
    case cnnS = "cnn-s"
    /// He et al. 2016's ResNet-20 for CIFAR: conv 3×3 (3→16) + BN + ReLU, three stages of three
    /// basic blocks (widths 16, 32, 64; the first block of stages 2 and 3 has stride 2 and an
    /// "option A" ``PaddingShortcut``), global average pooling and linear 64→C. A basic block is
    /// `ReLU(BN(conv(ReLU(BN(conv(x))))) + shortcut(x))`; convolutions have no bias.
    case resnet20

    /// Builds the network for `classCount` classes with PyTorch's default initialisation (also for
    /// ResNet-20, whose usual recipe uses Kaiming-normal instead).
    ///
    /// - Parameter seed: the same seed gives the same weights.
    public func makeModel(classCount: Int, seed: UInt64) -> Sequential {
        precondition(classCount > 0, "class count must be positive")
        let model: Sequential
        switch self {
        case .cnnS:
            func block(_ cin: Int, _ cout: Int) -> [any Layer] {
                [
                    Conv2d(inChannels: cin, outChannels: cout, kernelSize: 3, padding: 1, bias: false),
                    BatchNorm(channels: cout), ReLU(),
                ]
            }
            model = Sequential(
                block(3, 32) + block(32, 32) + [MaxPool2x2()]
                    + block(32, 64) + block(64, 64) + [MaxPool2x2()]
                    + block(64, 128) + [MaxPool2x2()]
                    + [
                        Linear(inFeatures: 2048, outFeatures: 256), ReLU(),
                        Linear(inFeatures: 256, outFeatures: classCount),
                    ])
        case .resnet20:
            func conv(_ cin: Int, _ cout: Int, stride: Int = 1) -> Conv2d {
                Conv2d(inChannels: cin, outChannels: cout, kernelSize: 3, stride: stride, padding: 1, bias: false)
            }
            func block(_ cin: Int, _ cout: Int, stride: Int) -> [any Layer] {
                let shortcut: [any Layer] =
                    stride == 1 && cin == cout
                    ? [] : [PaddingShortcut(inChannels: cin, outChannels: cout, stride: stride)]
                return [
                    Residual(
                        body: [
                            conv(cin, cout, stride: stride), BatchNorm(channels: cout), ReLU(), conv(cout, cout),
                            BatchNorm(channels: cout),
                        ],
                        shortcut: shortcut),
                    ReLU(),
                ]
            }
            var layers: [any Layer] = [conv(3, 16), BatchNorm(channels: 16), ReLU()]
            for (stage, width) in [16, 32, 64].enumerated() {
                for index in 0..<3 {
                    let first = index == 0 && stage > 0
                    layers += block(first ? width / 2 : width, width, stride: first ? 2 : 1)
                }
            }
            model = Sequential(layers + [GlobalAveragePool(), Linear(inFeatures: 64, outFeatures: classCount)])
        }
        (model.layers.first as? Conv2d)?.computesInputGradient = false
        var generator = SeededGenerator(seed: seed)
        Initialization.pytorchDefault(model, using: &generator)
        return model
    }
}
