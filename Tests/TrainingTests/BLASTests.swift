import Testing
@testable import Training

/// Known answers for the sgemm wrapper: row-major layout, transposes, alpha/beta, leading dimensions.
struct BLASTests {
    let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2×3
    let b: [Float] = [7, 8, 9, 10, 11, 12]  // 3×2

    @Test func twoByThreeTimesThreeByTwo() {
        var c = [Float](repeating: -1, count: 4)
        BLAS.sgemm(
            transposeA: false, transposeB: false, m: 2, n: 2, k: 3, alpha: 1, a: a, lda: 3, b: b, ldb: 2,
            beta: 0, c: &c, ldc: 2)
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154], by hand.
        #expect(c == [58, 64, 139, 154])
    }

    @Test func transposesAlphaBetaAndLeadingDimensions() {
        // aᵀ stored as 3×2 and bᵀ stored as 2×3 give the same product.
        let at: [Float] = [1, 4, 2, 5, 3, 6], bt: [Float] = [7, 9, 11, 8, 10, 12]
        // C is 2×2 inside a 2×3 block (ldc 3); the third column must stay untouched.
        var c: [Float] = [1, 1, 99, 1, 1, 99]
        BLAS.sgemm(
            transposeA: true, transposeB: true, m: 2, n: 2, k: 3, alpha: 2, a: at, lda: 2, b: bt, ldb: 3,
            beta: 0.5, c: &c, ldc: 3)
        #expect(c == [116.5, 128.5, 99, 278.5, 308.5, 99])
    }

    @Test func oneThreadPerCallIsSet() {
        BLAS.useOneThreadPerCall()
        #expect(BLAS.threadCount == 1)
        #expect(!BLAS.coreName.isEmpty)
    }
}
