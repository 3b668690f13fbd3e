#include "conv_kernels.h"
#include "padding.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_X86 1
#else
#define CK_X86 0
#endif

/// (Input channel, tap) pairs whose gradients are summed together: with CK_BLOCK output channels,
/// 12 accumulators of 8 floats, the output gradient's two vectors loaded once per pixel for all six.
/// The accumulators stay in registers over a whole image.
#define CK_PAIRS 6

// Workspace: the image with a zero border, as for ck_conv3x3, then ho·wo rows of CK_BLOCK output
// gradients (pixel-major) for one block of output channels.
size_t ck_conv3x3_weight_gradient_workspace_count(int channels, int height, int width, int stride) {
    const size_t ho = (height - 1) / stride + 1, wo = (width - 1) / stride + 1;
    return ck_padded_count(channels, height, width) + ho * wo * CK_BLOCK;
}

#if CK_X86
// g[p·CK_BLOCK + j] = gy[j·pixels + p] for j < count, and 0 for count ≤ j < CK_BLOCK: 8 channels × 8
// pixels at a time through registers where they are whole, one by one otherwise.
__attribute__((target("avx2,fma")))
static void transpose_block(const float *gy, int count, int pixels, float *g) {
    int j0 = 0;
    for (; j0 + 8 <= count; j0 += 8) {
        const float *src = gy + (size_t)j0 * pixels;
        int p = 0;
        for (; p + 8 <= pixels; p += 8) {
            const __m256 r0 = _mm256_loadu_ps(src + p), r1 = _mm256_loadu_ps(src + pixels + p),
                         r2 = _mm256_loadu_ps(src + 2 * (size_t)pixels + p),
                         r3 = _mm256_loadu_ps(src + 3 * (size_t)pixels + p),
                         r4 = _mm256_loadu_ps(src + 4 * (size_t)pixels + p),
                         r5 = _mm256_loadu_ps(src + 5 * (size_t)pixels + p),
                         r6 = _mm256_loadu_ps(src + 6 * (size_t)pixels + p),
                         r7 = _mm256_loadu_ps(src + 7 * (size_t)pixels + p);
            const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1),
                         t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3),
                         t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
                         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
            const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
                         u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
                         u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
                         u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
            float *dst = g + (size_t)p * CK_BLOCK + j0;
            _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(dst + CK_BLOCK, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(dst + 2 * CK_BLOCK, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(dst + 3 * CK_BLOCK, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(dst + 4 * CK_BLOCK, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(dst + 5 * CK_BLOCK, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(dst + 6 * CK_BLOCK, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(dst + 7 * CK_BLOCK, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
        for (; p < pixels; p++)
            for (int j = 0; j < 8; j++) g[(size_t)p * CK_BLOCK + j0 + j] = src[(size_t)j * pixels + p];
    }
    for (int p = 0; p < pixels; p++) {
        float *dst = g + (size_t)p * CK_BLOCK;
        for (int j = j0; j < count; j++) dst[j] = gy[(size_t)j * pixels + p];
        for (int j = count; j < CK_BLOCK; j++) dst[j] = 0;
    }
}

// acc[j] += Σ_p g[p] · x(pair j at pixel p) for the pairs j of one block: pair j = c·9 + ky·3 + kx
// reads the bordered plane of channel c from ky·wp + kx, output pixel (r, q) then s·(r·wp + q) on.
__attribute__((target("avx2,fma")))
static void block_pairs(const float *xp, int pairs, size_t plane, int wp, int ho, int wo, int stride, const float *g,
                        float *acc) {
    for (int j0 = 0; j0 < pairs; j0 += CK_PAIRS) {
        // A short last group repeats its last pair, which then computes and stores the same bits twice.
        const float *src[CK_PAIRS];
        float *dst[CK_PAIRS];
        for (int i = 0; i < CK_PAIRS; i++) {
            const int j = j0 + i < pairs ? j0 + i : pairs - 1, k = j % 9;
            src[i] = xp + (size_t)(j / 9) * plane + (k / 3) * wp + k % 3;
            dst[i] = acc + (size_t)j * CK_BLOCK;
        }
        __m256 a00 = _mm256_loadu_ps(dst[0]), a01 = _mm256_loadu_ps(dst[0] + 8), a10 = _mm256_loadu_ps(dst[1]),
               a11 = _mm256_loadu_ps(dst[1] + 8), a20 = _mm256_loadu_ps(dst[2]), a21 = _mm256_loadu_ps(dst[2] + 8),
               a30 = _mm256_loadu_ps(dst[3]), a31 = _mm256_loadu_ps(dst[3] + 8), a40 = _mm256_loadu_ps(dst[4]),
               a41 = _mm256_loadu_ps(dst[4] + 8), a50 = _mm256_loadu_ps(dst[5]), a51 = _mm256_loadu_ps(dst[5] + 8);
        const float *gp = g;
        for (int r = 0; r < ho; r++) {
            const size_t row = (size_t)r * stride * wp;
            const float *s0 = src[0] + row, *s1 = src[1] + row, *s2 = src[2] + row, *s3 = src[3] + row,
                        *s4 = src[4] + row, *s5 = src[5] + row;
            for (int q = 0, d = 0; q < wo; q++, d += stride) {
                const __m256 g0 = _mm256_loadu_ps(gp), g1 = _mm256_loadu_ps(gp + 8);
                __m256 v = _mm256_broadcast_ss(s0 + d);
                a00 = _mm256_fmadd_ps(g0, v, a00);
                a01 = _mm256_fmadd_ps(g1, v, a01);
                v = _mm256_broadcast_ss(s1 + d);
                a10 = _mm256_fmadd_ps(g0, v, a10);
                a11 = _mm256_fmadd_ps(g1, v, a11);
                v = _mm256_broadcast_ss(s2 + d);
                a20 = _mm256_fmadd_ps(g0, v, a20);
                a21 = _mm256_fmadd_ps(g1, v, a21);
                v = _mm256_broadcast_ss(s3 + d);
                a30 = _mm256_fmadd_ps(g0, v, a30);
                a31 = _mm256_fmadd_ps(g1, v, a31);
                v = _mm256_broadcast_ss(s4 + d);
                a40 = _mm256_fmadd_ps(g0, v, a40);
                a41 = _mm256_fmadd_ps(g1, v, a41);
                v = _mm256_broadcast_ss(s5 + d);
                a50 = _mm256_fmadd_ps(g0, v, a50);
                a51 = _mm256_fmadd_ps(g1, v, a51);
                gp += CK_BLOCK;
            }
        }
        _mm256_storeu_ps(dst[0], a00);
        _mm256_storeu_ps(dst[0] + 8, a01);
        _mm256_storeu_ps(dst[1], a10);
        _mm256_storeu_ps(dst[1] + 8, a11);
        _mm256_storeu_ps(dst[2], a20);
        _mm256_storeu_ps(dst[2] + 8, a21);
        _mm256_storeu_ps(dst[3], a30);
        _mm256_storeu_ps(dst[3] + 8, a31);
        _mm256_storeu_ps(dst[4], a40);
        _mm256_storeu_ps(dst[4] + 8, a41);
        _mm256_storeu_ps(dst[5], a50);
        _mm256_storeu_ps(dst[5] + 8, a51);
    }
}
#endif

void ck_conv3x3_weight_gradient(const float *x, int channels, int height, int width, int stride, const float *gy,
                                int out_channels, float *accumulator, float *workspace) {
#if CK_X86
    const int wp = width + 2, ho = (height - 1) / stride + 1, wo = (width - 1) / stride + 1, pixels = ho * wo;
    const size_t plane = (size_t)(height + 2) * wp;
    float *xp = workspace, *g = workspace + ck_padded_count(channels, height, width);
    ck_pad(x, channels, height, width, xp);
    const int blocks = (out_channels + CK_BLOCK - 1) / CK_BLOCK;
    for (int b = 0; b < blocks; b++) {
        // This block's output gradients, pixel-major, the channels past out_channels zero.
        const int first = b * CK_BLOCK, count = out_channels - first < CK_BLOCK ? out_channels - first : CK_BLOCK;
        transpose_block(gy + (size_t)first * pixels, count, pixels, g);
        block_pairs(xp, channels * 9, plane, wp, ho, wo, stride, g, accumulator + (size_t)b * channels * 9 * CK_BLOCK);
    }
#else
    (void)x; (void)channels; (void)height; (void)width; (void)stride; (void)gy; (void)out_channels;
    (void)accumulator; (void)workspace;
#endif
}

void ck_conv3x3_unpack(const float *packed, int out_channels, int channels, float *weight) {
    for (int o = 0; o < out_channels; o++) {
        const float *block = packed + (size_t)(o / CK_BLOCK) * channels * 9 * CK_BLOCK + o % CK_BLOCK;
        float *dst = weight + (size_t)o * channels * 9;
        for (int j = 0; j < channels * 9; j++) dst[j] = block[(size_t)j * CK_BLOCK];
    }
}
