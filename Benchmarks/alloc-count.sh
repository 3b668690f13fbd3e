#!/usr/bin/env bash
# Counts heap allocations (malloc, calloc, realloc) per training step and per inference batch of
# TrainBenchmark, by preloading a tiny counting shim built here with clang. Arguments as TrainBenchmark's.
set -euo pipefail
cd "$(dirname "$0")"
shim=$(mktemp -d)/libmcount.so
clang -O2 -shared -fPIC -x c -o "$shim" - <<'C'
#include <stddef.h>
#include <stdatomic.h>
static atomic_long count;
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n) { atomic_fetch_add(&count, 1); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { atomic_fetch_add(&count, 1); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { atomic_fetch_add(&count, 1); return __libc_realloc(p, n); }
long malloc_count(void) { return atomic_load(&count); }
C
swift build -c release --product TrainBenchmark >&2
LD_PRELOAD="$shim" "$(swift build -c release --show-bin-path)/TrainBenchmark" "$@" | grep '"allocations"'
rm -f "$shim"
