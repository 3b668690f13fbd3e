#!/usr/bin/env python3
"""Reference similarity values from the Python `wn` package, for explicable's conformance tests.

What it does
  1. Makes sure the Open English WordNet 2025 LMF file is in a `wn` data directory
     (`--wn-data`; by default a fresh temporary directory that is deleted afterwards). Adding the
     file takes about 30-45 s, so pass a persistent directory (e.g. --wn-data /tmp/wn-data) to
     reuse it across runs; an existing `oewn:2025` lexicon there is reused, not re-added.
  2. Loads `oewn:2025` and computes wn.taxonomy.taxonomy_depth(w, "n").
  3. For two class sets
       cifar10          all 10 classes of wordnet/cifar10.tsv
       cifar100_every5  the 20 classes at indices 0, 5, 10, ..., 95 of wordnet/cifar100.tsv
     computes, for every ordered pair (a, b) including a == b, with simulate_root False and True:
       wn.similarity.path(a, b)
       wn.similarity.wup(a, b)
       wn.similarity.lch(a, b, max_depth=taxonomy_depth_n)
  4. Lists every ordered pair for which wn.taxonomy.lowest_common_hypernyms(a, b) returns more
     than one synset ("wup_lcs_ties"): wn's wup then uses the first of them, and that order comes
     from a Python set, so the wup value of such a pair is not well defined. For those pairs the
     JSON also gives every candidate LCS and the wup value each would give.
  5. Writes Tests/WordNetTests/Fixtures/wn-reference.json (floats at full precision, repr) and
     prints a summary.

Output layout
  {"generator": "Benchmarks/wn_reference.py", "wn_version": "1.1.1", "lexicon": "oewn:2025",
   "taxonomy_depth_n": 19, "lmf_sha256": "...",
   "sets": [{"name": "cifar10", "indices": [...], "synsets": ["oewn-...", ...], "labels": [...],
             "path": [[...]], "wup": [[...]], "lch": [[...]],
             "path_simulate_root": [[...]], "wup_simulate_root": [[...]],
             "lch_simulate_root": [[...]],
             "wup_lcs_ties": [[a_index, b_index, number_of_lowest_common_hypernyms], ...],
             "wup_lcs_tie_details": [{"a": i, "b": j, "lcs": [...], "wup_by_lcs": [...],
                                      "wup_simulate_root_by_lcs": [...]}, ...]}, ...]}
  Matrices are row a, column b, indices into that set's "synsets" list.

Usage (from the repository root; needs `pip install wn==1.1.1`, no network access):
  python3 Benchmarks/wn_reference.py --wn-data /tmp/wn-data

The process re-executes itself with PYTHONHASHSEED=0 so that repeated runs give the same file
(the tie-breaking of wn's LCS choice depends on set iteration order, i.e. on string hashing).
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_LMF = os.path.join(REPO, "..", "shared", "data", "wordnet", "english-wordnet-2025.xml.gz")
LEXICON = "oewn:2025"


def read_classset(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:3] != ["index", "label", "oewn"]:
            sys.exit(f"{path}: unexpected header {header}")
        for line in f:
            idx, label, sid = line.rstrip("\n").split("\t")[:3]
            rows.append((int(idx), label, sid))
    return rows


def ensure_lexicon(wn, lmf):
    have = [lx.specifier() for lx in wn.lexicons()]
    if LEXICON in have:
        print(f"reusing {LEXICON} in {wn.config.data_directory}", file=sys.stderr)
        return
    print(f"adding {lmf} to {wn.config.data_directory} (takes ~45 s) ...", file=sys.stderr)
    t = time.perf_counter()
    wn.add(lmf, progress_handler=None)
    print(f"added in {time.perf_counter() - t:.1f} s", file=sys.stderr)


def compute_set(wn, w, name, rows, depth):
    from wn import similarity as sim
    from wn import taxonomy as tax

    synsets = [w.synset(sid) for _, _, sid in rows]
    for ss, (_, label, sid) in zip(synsets, rows):
        if ss.pos != "n":
            sys.exit(f"{name}: {label} {sid} is not a noun synset")
    n = len(synsets)
    out = {"name": name, "indices": [i for i, _, _ in rows], "synsets": [s.id for s in synsets],
           "labels": [lab for _, lab, _ in rows]}
    for key, sr in (("", False), ("_simulate_root", True)):
        out["path" + key] = [[sim.path(a, b, simulate_root=sr) for b in synsets] for a in synsets]
        out["wup" + key] = [[sim.wup(a, b, simulate_root=sr) for b in synsets] for a in synsets]
        out["lch" + key] = [[sim.lch(a, b, depth, simulate_root=sr) for b in synsets]
                            for a in synsets]

    def wup_via(a, b, lcs, sr):
        i = len(a.shortest_path(lcs, simulate_root=sr))
        j = len(b.shortest_path(lcs, simulate_root=sr))
        k = lcs.max_depth() + 1
        return (2 * k) / (i + j + 2 * k)

    ties, details = [], []
    for ia, a in enumerate(synsets):
        for ib, b in enumerate(synsets):
            lcs = tax.lowest_common_hypernyms(a, b)
            lcs_sr = tax.lowest_common_hypernyms(a, b, simulate_root=True)
            if sorted(s.id for s in lcs) != sorted(s.id for s in lcs_sr):
                sys.exit(f"{name}: LCS of {a.id},{b.id} differs with simulate_root")
            if len(lcs) > 1:
                ties.append([ia, ib, len(lcs)])
                cands = sorted(lcs, key=lambda s: s.id)
                details.append({
                    "a": ia, "b": ib, "lcs": [s.id for s in cands],
                    "wup_by_lcs": [wup_via(a, b, c, False) for c in cands],
                    "wup_simulate_root_by_lcs": [wup_via(a, b, c, True) for c in cands],
                })
    out["wup_lcs_ties"] = ties
    out["wup_lcs_tie_details"] = details
    if ties:
        out["wup_lcs_ties_note"] = (
            "For these ordered pairs lowest_common_hypernyms returns several synsets and wn's "
            "wup uses an arbitrary one (set order); wup/wup_simulate_root values of these "
            "pairs are not well defined: compare against wup_by_lcs instead.")
    return out


def main():
    ap = argparse.ArgumentParser(description="Write wn reference similarities as JSON.")
    ap.add_argument("--wn-data", help="wn data directory to use/reuse (default: a temp dir)")
    ap.add_argument("--lmf", default=DEFAULT_LMF)
    ap.add_argument("--classsets", default=os.path.join(REPO, "wordnet"))
    ap.add_argument("--out", default=os.path.join(REPO, "Tests", "WordNetTests", "Fixtures",
                                                  "wn-reference.json"))
    args = ap.parse_args()

    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)

    import wn
    import wn.taxonomy

    tmp = None
    if args.wn_data:
        os.makedirs(args.wn_data, exist_ok=True)
        wn.config.data_directory = args.wn_data
    else:
        tmp = tempfile.mkdtemp(prefix="wn-data-")
        wn.config.data_directory = tmp
    try:
        ensure_lexicon(wn, args.lmf)
        w = wn.Wordnet(LEXICON)
        t = time.perf_counter()
        depth = wn.taxonomy.taxonomy_depth(w, "n")
        print(f"taxonomy_depth(n) = {depth} ({time.perf_counter() - t:.1f} s)", file=sys.stderr)

        c10 = read_classset(os.path.join(args.classsets, "cifar10.tsv"))
        c100 = read_classset(os.path.join(args.classsets, "cifar100.tsv"))
        c100_sub = [r for r in c100 if r[0] % 5 == 0]
        assert len(c10) == 10 and len(c100) == 100 and len(c100_sub) == 20

        with open(args.lmf, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        doc = {
            "generator": "Benchmarks/wn_reference.py",
            "wn_version": wn.__version__,
            "lexicon": LEXICON,
            "taxonomy_depth_n": depth,
            "lmf": os.path.basename(args.lmf),
            "lmf_sha256": sha,
            "sets": [compute_set(wn, w, "cifar10", c10, depth),
                     compute_set(wn, w, "cifar100_every5", c100_sub, depth)],
        }
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")

    print(f"wrote {os.path.relpath(args.out, REPO)}: wn {doc['wn_version']}, {LEXICON}, "
          f"taxonomy_depth_n={depth}")
    for s in doc["sets"]:
        n = len(s["synsets"])
        offdiag = [(i, j) for i in range(n) for j in range(n) if i != j]
        most = max(offdiag, key=lambda p: s["path"][p[0]][p[1]])
        least = min(offdiag, key=lambda p: s["path"][p[0]][p[1]])
        print(f"  {s['name']}: {n} classes, {n * n} ordered pairs; "
              f"most similar (path) {s['labels'][most[0]]}-{s['labels'][most[1]]} "
              f"{s['path'][most[0]][most[1]]:.4f}; least {s['labels'][least[0]]}-"
              f"{s['labels'][least[1]]} {s['path'][least[0]][least[1]]:.4f}")
        sym = all(s[k][i][j] == s[k][j][i] for k in ("path", "wup", "lch")
                  for i in range(n) for j in range(n))
        print(f"    symmetric: {sym}; wup LCS ties: {len(s['wup_lcs_ties'])}")
        for t in s["wup_lcs_tie_details"]:
            print(f"    tie {s['labels'][t['a']]}-{s['labels'][t['b']]}: {t['lcs']} "
                  f"wup {t['wup_by_lcs']}")


if __name__ == "__main__":
    main()
