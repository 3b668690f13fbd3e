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
    /// A multi-layer perceptron for N×D feature vectors: for each hidden width w, linear (→w) + ReLU,
    /// then linear (→C). With no hidden widths it is a linear classifier.
    case mlp

    /// Whether the architecture takes 3×32×32 images (`cnn-s`, `resnet20`) rather than feature vectors.
    public var takesImages: Bool { self != .mlp }

    /// Builds the network for `classCount` classes with PyTorch's default initialisation (also for
    /// ResNet-20, whose usual recipe uses Kaiming-normal instead).
    ///
    /// - Parameters:
    ///   - classCount: the number of outputs, C.
    ///   - seed: the same seed gives the same weights.
    ///   - inputFeatures: D, the length of a feature vector; used by `mlp` only, which needs it positive.
    ///   - hiddenWidths: the widths of the hidden layers of `mlp`, first layer first; each positive.
    public func makeModel(classCount: Int, seed: UInt64, inputFeatures: Int = 0, hiddenWidths: [Int] = [256])
        -> Sequential
    {
        precondition(classCount > 0, "class count must be positive")
        let model: Sequential
        switch self {
        case .mlp:
            precondition(inputFeatures > 0, "mlp: input feature count must be positive")
            precondition(hiddenWidths.allSatisfy { $0 > 0 }, "mlp: hidden widths must be positive")
            var layers: [any Layer] = []
            var width = inputFeatures
            for hidden in hiddenWidths {
                layers += [Linear(inFeatures: width, outFeatures: hidden), ReLU()]
                width = hidden
            }
            model = Sequential(layers + [Linear(inFeatures: width, outFeatures: classCount)])
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
