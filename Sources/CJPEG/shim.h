// libjpeg(-turbo) for the JPEG corruption of the out-of-distribution sets. jpeglib.h needs
// size_t and FILE declared before it.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
