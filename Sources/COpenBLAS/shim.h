#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
// CBLAS from OpenBLAS (Debian libopenblas-dev); pkg-config `openblas` supplies the include path.
#include <cblas.h>
#endif
