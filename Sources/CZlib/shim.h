#ifndef EXPLICABLE_CZLIB_SHIM_H
#define EXPLICABLE_CZLIB_SHIM_H
#include <zlib.h>
#endif
