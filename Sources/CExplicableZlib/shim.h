#ifndef CEXPLICABLEZLIB_SHIM_H
#define CEXPLICABLEZLIB_SHIM_H
#include <zlib.h>
#endif
