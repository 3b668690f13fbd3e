import Audit
import ExplicableCore
import Foundation
import LabelStore
import Testing

/// The 32×32 test pattern; `Benchmarks/corruption_reference.py` makes the same one.
func fixedImage() -> [UInt8] {
    var image: [UInt8] = []
    image.reserveCapacity(Corruption.imageByteCount)
    for y in 0..<32 {
        for x in 0..<32 {
            var r = (7 * x + 3 * y * y) % 256
            var g = (x * y + 5 * y + 40) % 256
            var b = x < 16 ? 200 - 4 * y : ((x ^ y) * 8) % 256
            if (20..<28).contains(x) && (4..<12).contains(y) { (r, g, b) = (128, 128, 128) }
            image += [UInt8(r), UInt8(g), UInt8(b)]
        }
    }
    return image
}

func flatImage(_ value: UInt8, count: Int = 1) -> [UInt8] {
    [UInt8](repeating: value, count: Corruption.imageByteCount * count)
}

func meanAbsDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
    zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.count)
}

func meanAndVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    return (mean, variance)
}

struct CorruptionsTests {
    /// Made by `Benchmarks/corruption_reference.py` with the authors' code and the libraries it calls
    /// (Pillow 13.0.0, opencv-python-headless 5.0.0, scikit-image 0.26.0, NumPy 2.4.6): corruption,
    /// severity, SHA-256 of the 3,072 bytes, their sum and (index, byte) samples.
    static let reference: [(String, Int, String, Int, [(Int, UInt8)])] = [
        (
            "contrast", 1, "a66079e7814deb67d638d6c8c6b0be80a9ad2844656be8a62ae5baa87122c750", 385556,
            [(0, 31), (1000, 195), (1537, 120), (2222, 112), (3071, 31)]
        ),
        (
            "contrast", 2, "fc99e92edfff6427143ea0ac5dfb2553bc4ee6b0a32519328db6b186a53847f5", 385680,
            [(0, 63), (1000, 171), (1537, 121), (2222, 117), (3071, 63)]
        ),
        (
            "contrast", 3, "113fd5ead032dd7e5de9e62c633ef6386b5e65bc72b57d2a618a3ced69f169f1", 386104,
            [(0, 76), (1000, 162), (1537, 122), (2222, 119), (3071, 76)]
        ),
        (
            "contrast", 4, "f5068d8609f4ef69c689b48a2e5e1daa4f69c9f55b77846a9843b8085a8a1fd8", 386065,
            [(0, 89), (1000, 152), (1537, 122), (2222, 121), (3071, 89)]
        ),
        (
            "contrast", 5, "d3e2549482cd139a76660c44b3df7db242bca5b3eaf7be375fa5e1f85a47d4a7", 386093,
            [(0, 108), (1000, 138), (1537, 123), (2222, 124), (3071, 108)]
        ),
        (
            "brightness", 1, "cb7de94bfdd78bab99a271ae091a66a847c449bd87a942455a5f0a8b8607178f", 412351,
            [(0, 0), (1000, 232), (1537, 131), (2222, 111), (3071, 0)]
        ),
        (
            "brightness", 2, "b62f6355044e3eeda4c247478a602c796dd20b681b0d7aa23046e02a51c69594", 436755,
            [(0, 0), (1000, 245), (1537, 142), (2222, 111), (3071, 0)]
        ),
        (
            "brightness", 3, "735730c7bb689b918f210d96bd7d3070392381eaa39fe66361b97ac3a56a6320", 458964,
            [(0, 0), (1000, 255), (1537, 153), (2222, 111), (3071, 0)]
        ),
        (
            "brightness", 4, "02d3e70d71fb9c93a1c089883b7ab6e5a53ba4a029882566fa604ed9931b800d", 478872,
            [(0, 0), (1000, 255), (1537, 164), (2222, 111), (3071, 0)]
        ),
        (
            "brightness", 5, "3f07169c0273aa3d28059620f41480d33d6a5fd59970059b1c1ef1f18c2b2695", 509711,
            [(0, 0), (1000, 255), (1537, 187), (2222, 111), (3071, 0)]
        ),
        (
            "defocus-blur", 1, "b42aaab8afc94ac3d24f64f4b84a3053dd7fe656cf95e1e5d0a44fac051cbffe", 386746,
            [(0, 0), (1000, 220), (1537, 121), (2222, 108), (3071, 1)]
        ),
        (
            "defocus-blur", 2, "89a0f982a1a37196178a677e44a5f33c4435753afc3d83022f70eb2d5019ec6d", 386772,
            [(0, 2), (1000, 220), (1537, 123), (2222, 108), (3071, 2)]
        ),
        (
            "defocus-blur", 3, "39e4947f939b3d4ee6c87149d081c2571af32071306b113eadc0d261a1b9f68b", 386784,
            [(0, 3), (1000, 220), (1537, 125), (2222, 108), (3071, 3)]
        ),
        (
            "defocus-blur", 4, "20fcc7e5b395b36e10bfb2c7f38e90bfd56988280e9ff312872713da2f2cd4a3", 386887,
            [(0, 4), (1000, 219), (1537, 126), (2222, 108), (3071, 6)]
        ),
        (
            "defocus-blur", 5, "bf692c3b0449b5e263fe439cb64a5d62e36d22f251c247a90e385fa5055834db", 387367,
            [(0, 6), (1000, 220), (1537, 130), (2222, 108), (3071, 3)]
        ),
        (
            "pixelate", 1, "04587cf583c6b241ee4f9ad18307995af2b9232bfe3eedceddfc24216e95f051", 387829,
            [(0, 0), (1000, 220), (1537, 120), (2222, 106), (3071, 0)]
        ),
        (
            "pixelate", 2, "531977f9987a2c682b273216e042372fc6626e283b5e6df767a5857302dd0114", 388009,
            [(0, 0), (1000, 220), (1537, 120), (2222, 108), (3071, 0)]
        ),
        (
            "pixelate", 3, "368a5a65b01940305a4d445eed225ac908f31c448be4990d85ce522be4f76126", 388120,
            [(0, 0), (1000, 211), (1537, 118), (2222, 108), (3071, 0)]
        ),
        (
            "pixelate", 4, "dc61fda88f3aa3a36cc1d79f016db26b02035ccc14c6121488912904a943e10a", 388324,
            [(0, 0), (1000, 216), (1537, 120), (2222, 108), (3071, 0)]
        ),
        (
            "pixelate", 5, "35747541ad4c163b69be33610d2b34882404373cb26b01e3c8a5d138e418eda5", 388729,
            [(0, 6), (1000, 220), (1537, 131), (2222, 110), (3071, 4)]
        ),
        (
            "jpeg", 1, "0536dea9e0296cd0c437d1730c2ba36377aee0b89a37e2d828760d5682ad28b2", 388752,
            [(0, 3), (1000, 205), (1537, 101), (2222, 183), (3071, 13)]
        ),
        (
            "jpeg", 2, "55713e902578f520be00bd18c6b4e608f2c0c9ad65295ff1c0ac9f88fa23fe80", 388062,
            [(0, 0), (1000, 234), (1537, 115), (2222, 122), (3071, 9)]
        ),
        (
            "jpeg", 3, "2df9ce8f970e070f3a6bf271a56ca0bf0576274edb73973f60d144cc268f42fa", 389265,
            [(0, 0), (1000, 235), (1537, 115), (2222, 137), (3071, 8)]
        ),
        (
            "jpeg", 4, "b918d02d7771001386368e0a1e97247a5143aa79ad79805361f4aea1595d4322", 388720,
            [(0, 9), (1000, 226), (1537, 95), (2222, 151), (3071, 40)]
        ),
        (
            "jpeg", 5, "899f45365077bc64a80fc48417bde87a874a0f7c9147cb08031867f919626ee2", 388421,
            [(0, 16), (1000, 217), (1537, 112), (2222, 145), (3071, 39)]
        ),
    ]

    @Test func theFixedImageIsTheOneTheReferenceScriptCorrupts() {
        #expect(
            SHA256Digest.hex(of: Data(fixedImage()))
                == "f0c236a64cd7e7f9da6a7c6d3fbef65df4d6e84ef29d2049f36b564a75a03702")
    }

    @Test func deterministicCorruptionsOfTheFixedImageMatchTheReferenceBytes() throws {
        let image = fixedImage()
        for (name, severity, digest, sum, samples) in Self.reference {
            let corruption = try #require(Corruption(rawValue: name))
            var generator = SeededGenerator(seed: 0)
            let out = try corruption.apply(to: image, severity: severity, generator: &generator)
            #expect(out.reduce(0) { $0 + Int($1) } == sum, "\(name) \(severity): byte sum")
            for (index, value) in samples {
                #expect(out[index] == value, "\(name) \(severity): byte \(index)")
            }
            #expect(SHA256Digest.hex(of: Data(out)) == digest, "\(name) \(severity): SHA-256")
            #expect(generator == SeededGenerator(seed: 0), "\(name) draws no random numbers")
        }
    }

    @Test(arguments: Corruption.allCases)
    func damageGrowsWithSeverity(_ corruption: Corruption) throws {
        let image = fixedImage()
        var damage: [Double] = []
        for severity in 1...5 {
            let out = try corruption.corrupt(images: image, severity: severity, seed: 7)
            damage.append(meanAbsDifference(out, image))
        }
        #expect(damage[0] > 0)
        for s in 1..<5 {
            #expect(damage[s] > damage[s - 1], "\(corruption.rawValue): severity \(s + 1) vs \(s): \(damage)")
        }
    }

    @Test(arguments: Corruption.allCases)
    func batchesAreDeterministicAndMatchSingleImages(_ corruption: Corruption) throws {
        let images = fixedImage() + flatImage(77) + fixedImage().reversed()
        let a = try corruption.corrupt(images: images, severity: 3, seed: 42)
        let b = try corruption.corrupt(images: images, severity: 3, seed: 42)
        #expect(a == b)
        for index in 0..<3 {
            var generator = Corruption.imageGenerator(seed: 42, index: index)
            let slice = Array(images[(index * 3072)..<((index + 1) * 3072)])
            let single = try corruption.apply(to: slice, severity: 3, generator: &generator)
            #expect(Array(a[(index * 3072)..<((index + 1) * 3072)]) == single)
        }
        let other = try corruption.corrupt(images: images, severity: 3, seed: 43)
        #expect((other != a) == corruption.isRandom)
        if corruption.isRandom {
            // The first and last images are the same pixels in another order, but get other noise.
            #expect(Array(a[0..<3072]) != Array(try corruption.corrupt(images: fixedImage(), severity: 3, seed: 41)))
        }
    }

    @Test func badSeverityAndSizeAreInvalidArguments() {
        var generator = SeededGenerator(seed: 1)
        for severity in [0, 6, -1] {
            #expect(throws: ExplicableError(.invalidArgument, "severity \(severity) is out of range, expected 1…5")) {
                try Corruption.contrast.apply(to: fixedImage(), severity: severity, generator: &generator)
            }
            #expect(throws: ExplicableError.self) {
                try Corruption.jpeg.corrupt(images: fixedImage(), severity: severity, seed: 1)
            }
        }
        for count in [0, 3071, 3073, 32 * 32] {
            #expect(throws: ExplicableError.self) {
                try Corruption.gaussianNoise.apply(
                    to: [UInt8](repeating: 9, count: count), severity: 1, generator: &generator)
            }
        }
        #expect(throws: ExplicableError.self) {
            try Corruption.pixelate.corrupt(images: [UInt8](repeating: 9, count: 3072 * 2 + 5), severity: 1, seed: 1)
        }
        #expect((try? Corruption.pixelate.corrupt(images: [], severity: 1, seed: 1)) == [])
    }

    @Test(arguments: zip(1...5, [0.04, 0.06, 0.08, 0.09, 0.10]))
    func gaussianNoiseHasTheStandardDeviationOfItsSeverity(severity: Int, scale: Double) throws {
        let out = try Corruption.gaussianNoise.corrupt(images: flatImage(128, count: 20), severity: severity, seed: 5)
        let (mean, variance) = meanAndVariance(out.map { Double($0) - 128 })
        // np.uint8 truncates: the residual is the noise minus a fraction in [0, 1).
        #expect(abs(mean + 0.5) < 0.5)
        #expect(abs(variance.squareRoot() / (scale * 255) - 1) < 0.02, "SD \(variance.squareRoot())")
    }

    @Test(arguments: zip(1...5, [500.0, 250, 100, 75, 50]))
    func shotNoiseVarianceIsTheMeanOverC(severity: Int, c: Double) throws {
        // Var(255·Poisson(x·c)/c) = 255·x·255/c for x = 128/255.
        let out = try Corruption.shotNoise.corrupt(images: flatImage(128, count: 20), severity: severity, seed: 9)
        let (mean, variance) = meanAndVariance(out.map { Double($0) })
        #expect(abs(mean - 127.5) < 0.6, "mean \(mean)")
        #expect(abs(variance / (128 * 255 / c) - 1) < 0.05, "variance \(variance)")
    }

    @Test(arguments: [20, 128, 250] as [UInt8])
    func shotNoiseCountsArePoisson(value: UInt8) throws {
        // Severity 5 (c = 50): the output is floor(5.1·k), so the count k can be read back; λ = 3.9
        // uses the inversion sampler, λ = 25.1 and 49 the transformed rejection one.
        let lambda = Double(value) / 255 * 50
        let out = try Corruption.shotNoise.corrupt(images: flatImage(value, count: 20), severity: 5, seed: 3)
        let counts = out.map { (Double($0) / 5.1 + 0.2).rounded(.down) }  // out ∈ [5.1k − 1, 5.1k]
        let capped = counts.filter { $0 >= 50 }.count  // clip(k/c, 0, 1) caps k at 50
        let (mean, variance) = meanAndVariance(counts)
        if value == 250 {
            #expect(Double(capped) / Double(counts.count) > 0.4)  // P(k ≥ 50 | λ = 49) ≈ 0.48
        } else {
            #expect(capped <= 5)  // P(k ≥ 50 | λ = 25.1) ≈ 8e-6
            #expect(abs(mean / lambda - 1) < 0.01, "mean \(mean) for λ \(lambda)")
            #expect(abs(variance / lambda - 1) < 0.04, "variance \(variance) for λ \(lambda)")
        }
    }

    @Test(arguments: zip(1...5, [0.01, 0.02, 0.03, 0.05, 0.07]))
    func impulseNoiseFlipsItsAmountToSaltAndPepper(severity: Int, amount: Double) throws {
        let out = try Corruption.impulseNoise.corrupt(images: flatImage(128, count: 20), severity: severity, seed: 11)
        let salt = out.filter { $0 == 255 }.count
        let pepper = out.filter { $0 == 0 }.count
        #expect(salt + pepper + out.filter { $0 == 128 }.count == out.count)
        let expected = amount * Double(out.count)
        #expect(abs(Double(salt + pepper) / expected - 1) < 4 / expected.squareRoot(), "flipped \(salt + pepper)")
        #expect(abs(Double(salt - pepper)) < 4 * Double(salt + pepper).squareRoot(), "salt \(salt), pepper \(pepper)")
    }
}
