"""numpy peer of BLASBenchmark: the same sgemm shapes (shapes.json) through np.dot, one JSON line each.

Thread count: OPENBLAS_NUM_THREADS, set by the caller before numpy loads its bundled OpenBLAS.
"""
import json, os, sys, time
import numpy as np

try:
    from threadpoolctl import threadpool_info
    info = [i for i in threadpool_info() if i.get("internal_api") == "openblas"]
    core = info[0].get("architecture", "?") if info else "?"
    version = info[0].get("version", "?") if info else "?"
except ImportError:
    core, version = "?", "?"

threads = int(os.environ.get("OPENBLAS_NUM_THREADS", "1"))
shapes = json.load(open(os.path.join(os.path.dirname(__file__), "shapes.json")))
for s in shapes:
    m, n, k = s["m"], s["n"], s["k"]
    a = ((np.arange(m * k) % 7) * 0.1 - 0.3).astype(np.float32).reshape((k, m) if s["ta"] else (m, k))
    b = ((np.arange(k * n) % 5) * 0.1 - 0.2).astype(np.float32).reshape((n, k) if s["tb"] else (k, n))
    a = a.T if s["ta"] else a
    b = b.T if s["tb"] else b
    c = np.empty((m, n), dtype=np.float32)
    def once():
        for _ in range(s["calls"]):
            np.dot(a, b, out=c)
    once()
    best, total, reps = float("inf"), 0.0, 0
    while total < 1.0 or reps < 3:
        t = time.perf_counter(); once(); dt = time.perf_counter() - t
        best = min(best, dt); total += dt; reps += 1
    gflops = 2.0 * m * n * k * s["calls"] / best / 1e9
    print(json.dumps(dict(impl=f"numpy-{np.__version__}-openblas-{version}", core=core, threads=threads,
                          shape=s["name"], m=m, n=n, k=k, calls=s["calls"], gflops=round(gflops, 1))))
    sys.stdout.flush()
