#include "conv_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_X86 1
#else
#define CK_X86 0
#endif

// 2×2 max pooling (stride 2) of one plane, eight outputs at a time, with the same rules as
// Training's MaxPool2x2 in Swift: a window `a b / c d` is scanned in row-major order and a value
// replaces the best so far when it is larger or NaN (so a window with a NaN gives NaN, and the
// recorded winner is the last NaN or else the first maximum).

#if CK_X86
// The even- and odd-indexed floats of p[0…15], each in order.
__attribute__((target("avx2,fma"))) static inline void split_pairs(const float *p, __m256 *even, __m256 *odd) {
    const __m256 lo = _mm256_loadu_ps(p), hi = _mm256_loadu_ps(p + 8);
    // Per 128-bit half: lo's two evens (odds), then hi's; the 64-bit pairs then put in order.
    const __m256 e = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)),
                 o = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
}

// Lanes where `v` should replace `best`: v > best, or v is NaN.
__attribute__((target("avx2,fma"))) static inline __m256 replaces(__m256 v, __m256 best) {
    return _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

__attribute__((target("avx2,fma"))) static void pool_values(const float *x, int height, int width, float *y) {
    const int ho = height / 2, wo = width / 2, whole = wo & ~7;
    for (int oy = 0; oy < ho; oy++) {
        const float *r0 = x + (size_t)2 * oy * width, *r1 = r0 + width;
        float *yr = y + (size_t)oy * wo;
        for (int ox = 0; ox < whole; ox += 8) {
            __m256 a, b, c, d;
            split_pairs(r0 + 2 * ox, &a, &b);
            split_pairs(r1 + 2 * ox, &c, &d);
            // max(max(a, b), max(c, d)), each max taking its first operand when larger or NaN.
            const __m256 ab = _mm256_blendv_ps(b, a, replaces(a, b)), cd = _mm256_blendv_ps(d, c, replaces(c, d));
            _mm256_storeu_ps(yr + ox, _mm256_blendv_ps(cd, ab, replaces(ab, cd)));
        }
        for (int ox = whole; ox < wo; ox++) {
            const float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
            const float ab = a > b || a != a ? a : b, cd = c > d || c != c ? c : d;
            yr[ox] = ab > cd || ab != ab ? ab : cd;
        }
    }
}

__attribute__((target("avx2,fma"))) static void pool_winners(const float *x, int height, int width, float *y,
                                                             int32_t *argmax) {
    const int ho = height / 2, wo = width / 2, whole = wo & ~7;
    const __m256i step = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    const __m256 off1 = _mm256_castsi256_ps(_mm256_set1_epi32(1)), offw = _mm256_castsi256_ps(_mm256_set1_epi32(width)),
                 offw1 = _mm256_castsi256_ps(_mm256_set1_epi32(width + 1));
    for (int oy = 0; oy < ho; oy++) {
        const float *r0 = x + (size_t)2 * oy * width, *r1 = r0 + width;
        float *yr = y + (size_t)oy * wo;
        int32_t *ir = argmax + (size_t)oy * wo;
        for (int ox = 0; ox < whole; ox += 8) {
            __m256 a, b, c, d;
            split_pairs(r0 + 2 * ox, &a, &b);
            split_pairs(r1 + 2 * ox, &c, &d);
            __m256 best = a, at = _mm256_setzero_ps(), take = replaces(b, best);
            best = _mm256_blendv_ps(best, b, take);
            at = _mm256_blendv_ps(at, off1, take);
            take = replaces(c, best);
            best = _mm256_blendv_ps(best, c, take);
            at = _mm256_blendv_ps(at, offw, take);
            take = replaces(d, best);
            best = _mm256_blendv_ps(best, d, take);
            at = _mm256_blendv_ps(at, offw1, take);
            _mm256_storeu_ps(yr + ox, best);
            const __m256i base = _mm256_add_epi32(_mm256_set1_epi32(2 * oy * width + 2 * ox), step);
            _mm256_storeu_si256((__m256i *)(ir + ox), _mm256_add_epi32(base, _mm256_castps_si256(at)));
        }
        for (int ox = whole; ox < wo; ox++) {
            const float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
            float best = a;
            int at = 0;
            if (b > best || b != b) best = b, at = 1;
            if (c > best || c != c) best = c, at = width;
            if (d > best || d != d) best = d, at = width + 1;
            yr[ox] = best;
            ir[ox] = 2 * oy * width + 2 * ox + at;
        }
    }
}
#endif

void ck_maxpool2x2(const float *x, int height, int width, float *y, int32_t *argmax) {
#if CK_X86
    if (argmax)
        pool_winners(x, height, width, y, argmax);
    else
        pool_values(x, height, width, y);
#else
    (void)x; (void)height; (void)width; (void)y; (void)argmax;
#endif
}
