// The zero-bordered copy of an image that the direct 3×3 kernels read (private to CConvKernels).
#ifndef EXPLICABLE_CONV_PADDING_H
#define EXPLICABLE_CONV_PADDING_H

#include <stddef.h>
#include <string.h>

/// Floats of `channels` planes of `(height + 2) × (width + 2)`.
static inline size_t ck_padded_count(int channels, int height, int width) {
    return (size_t)channels * (height + 2) * (width + 2);
}

/// Copies `x` (`channels × height × width`) into `xp` with a one-pixel zero border on every side.
static inline void ck_pad(const float *x, int channels, int height, int width, float *xp) {
    const int wp = width + 2;
    const size_t plane = (size_t)(height + 2) * wp;
    for (int c = 0; c < channels; c++) {
        float *dst = xp + c * plane;
        memset(dst, 0, wp * sizeof(float));
        for (int r = 0; r < height; r++) {
            float *row = dst + (size_t)(r + 1) * wp;
            row[0] = 0;
            memcpy(row + 1, x + ((size_t)c * height + r) * width, width * sizeof(float));
            row[width + 1] = 0;
        }
        memset(dst + (size_t)(height + 1) * wp, 0, wp * sizeof(float));
    }
}

#endif
