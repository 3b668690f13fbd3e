#!/usr/bin/env python3
"""Build and verify the class-set maps in wordnet/ (cifar10.tsv, cifar100.tsv, imagenet1k.tsv).

Each map is a UTF-8, tab-separated file with the header

    index<TAB>label<TAB>oewn<TAB>ili<TAB>pwn30

and one row per class in the data set's class-index order:

  index  0-based class index as the data set orders its labels
  label  the data set's class label (unique within the file, also ignoring case; no tabs)
  oewn   Open English WordNet 2025 synset id (a noun synset present in the LMF)
  ili    that synset's `ili` attribute in the LMF (Collaborative Interlingual Index id)
  pwn30  the Princeton WordNet 3.0 id `XXXXXXXX-n`, from CILI's ili-map-pwn30.tab

Sources (defaults are relative to the repository root, i.e. ../shared/data/...):
  --lmf        english-wordnet-2025.xml.gz (Open English WordNet 2025, WN-LMF 1.3)
  --cili-dir   directory holding ili-map-pwn30.tab
  --cifar10    CIFAR-10 batches.meta.txt (class names, one per line)
  --imagenet   ImageNet LOC_synset_mapping.txt (wnid + names, class-index order)
  --out-dir    where the TSVs live (default: <repo>/wordnet)

How each set is mapped:
  * CIFAR-10 / CIFAR-100: the sense of every class was chosen by hand and is recorded below in
    CIFAR10_SENSES / CIFAR100_SENSES as (label, lemma looked up, OEWN synset id, reason). The
    script checks that the synset is a noun sense of that lemma and that every choice that is
    not the lemma's first noun sense carries a reason.
  * ImageNet-1k: wnid n<offset> -> "<offset>-n" -> ILI via ili-map-pwn30.tab -> the unique OEWN
    synset whose `ili` attribute is that ILI. Anything that does not map one-to-one onto a noun
    synset must be resolved in IMAGENET_SYNSET_OVERRIDES (currently empty: all 1,000 map cleanly)
    or the script fails. Labels are the first name on each line; names that collide (ignoring
    case) are all renamed through IMAGENET_LABEL_OVERRIDES.

Usage (from the repository root):
  python3 wordnet/scripts/build_classsets.py            # regenerate the three TSVs, then verify
  python3 wordnet/scripts/build_classsets.py --check    # verify only: files must match byte for byte
  python3 wordnet/scripts/build_classsets.py --report   # also print the README tables

Exit status 0 on success; 1 with a message on stderr on any mismatch or failed check.
Only the Python standard library is used.
"""

import argparse
import gzip
import os
import re
import sys
import xml.etree.ElementTree as ET

HEADER = "index\tlabel\toewn\tili\tpwn30\n"

# ---------------------------------------------------------------------------------------------
# CIFAR-10: labels in batches.meta.txt order. (label, lemma, OEWN synset, reason-if-not-sense-1)
# All ten are the first noun sense of their label.
# ---------------------------------------------------------------------------------------------
CIFAR10_SENSES = [
    ("airplane", "airplane", "oewn-02694015-n", None),    # airplane, aeroplane, plane
    ("automobile", "automobile", "oewn-02961779-n", None),  # car.n.01
    ("bird", "bird", "oewn-01505702-n", None),
    ("cat", "cat", "oewn-02124272-n", None),               # cat, true cat (the feline)
    ("deer", "deer", "oewn-02432691-n", None),
    ("dog", "dog", "oewn-02086723-n", None),               # domestic dog
    ("frog", "frog", "oewn-01642406-n", None),
    ("horse", "horse", "oewn-02377103-n", None),           # Equus caballus
    ("ship", "ship", "oewn-04201332-n", None),
    ("truck", "truck", "oewn-04497386-n", None),           # motortruck
]

# ---------------------------------------------------------------------------------------------
# CIFAR-100: fine labels in the official index order (alphabetical fine_label_names of the
# CIFAR-100 `meta` file). The lemma is the label with '_' -> ' ' where that is an OEWN noun
# lemma, otherwise the head noun (aquarium_fish -> fish, maple_tree -> maple).
# ---------------------------------------------------------------------------------------------
CIFAR100_SENSES = [
    ("apple", "apple", "oewn-07755101-n", None),           # the fruit
    ("aquarium_fish", "fish", "oewn-02514684-n",
     "not an OEWN lemma (no 'aquarium fish'/'tropical fish' synset); the images show many "
     "species (cichlids, clownfish, tetras, goldfish...), so the general fish, fish.n.01"),
    ("baby", "baby", "oewn-09846929-n", None),             # infant
    ("bear", "bear", "oewn-02134305-n", None),
    ("beaver", "beaver", "oewn-02365657-n", "the rodent; senses 1-5 are fur, beard, hats, armour"),
    ("bed", "bed", "oewn-02821967-n", None),
    ("bee", "bee", "oewn-02209508-n", None),
    ("beetle", "beetle", "oewn-02167116-n", None),
    ("bicycle", "bicycle", "oewn-02837983-n", None),
    ("bottle", "bottle", "oewn-02879899-n", None),
    ("bowl", "bowl", "oewn-02884435-n", None),             # round vessel open at the top
    ("boy", "boy", "oewn-10305010-n", None),               # male child
    ("bridge", "bridge", "oewn-02901994-n", None),
    ("bus", "bus", "oewn-02927500-n", None),
    ("butterfly", "butterfly", "oewn-02276911-n", None),
    ("camel", "camel", "oewn-02439767-n", None),
    ("can", "can", "oewn-02950393-n", None),               # tin can, the container
    ("castle", "castle", "oewn-02983900-n",
     "the fortified building; sense 1 is 'palace, castle: a large and stately mansion'"),
    ("caterpillar", "caterpillar", "oewn-02311989-n", None),
    ("cattle", "cattle", "oewn-02405077-n", None),
    ("chair", "chair", "oewn-03005231-n", None),
    ("chimpanzee", "chimpanzee", "oewn-02484454-n", None),
    ("clock", "clock", "oewn-03050242-n", None),
    ("cloud", "cloud", "oewn-09270316-n",
     "the visible mass of water/ice in the sky; sense 1 is any visible mass of particles "
     "or gas (smoke, dust)"),
    ("cockroach", "cockroach", "oewn-02235990-n", None),
    ("couch", "couch", "oewn-04263630-n", None),           # sofa
    ("crab", "crab", "oewn-01979598-n", None),             # the crustacean
    ("crocodile", "crocodile", "oewn-01699819-n", None),
    ("cup", "cup", "oewn-03152175-n", None),
    ("dinosaur", "dinosaur", "oewn-01702472-n", None),
    ("dolphin", "dolphin", "oewn-02071627-n",
     "the toothed whale (cetacean); sense 1 is the dolphinfish / mahimahi"),
    ("elephant", "elephant", "oewn-02506148-n", None),
    ("flatfish", "flatfish", "oewn-02659998-n", "the living fish; sense 1 is its flesh as food"),
    ("forest", "forest", "oewn-08455525-n", None),         # trees and plants of a wooded area
    ("fox", "fox", "oewn-02120985-n", None),
    ("girl", "girl", "oewn-10104064-n",
     "female child ('a youthful female person'), the counterpart of boy = male child; "
     "sense 1 is 'a young female' (young woman, miss)"),
    ("hamster", "hamster", "oewn-02345537-n", None),
    ("house", "house", "oewn-03549540-n", None),           # the dwelling
    ("kangaroo", "kangaroo", "oewn-01879775-n", None),
    ("keyboard", "keyboard", "oewn-03619216-n", None),     # keys of typewriter/computer/piano
    ("lamp", "lamp", "oewn-03641940-n",
     "the household lamp ('piece of furniture holding one or more electric light bulbs', "
     "parent of table lamp/floor lamp); sense 1 is any artificial light source"),
    ("lawn_mower", "lawn mower", "oewn-03655235-n", None),
    ("leopard", "leopard", "oewn-02131037-n", "the big cat; sense 1 is its pelt"),
    ("lion", "lion", "oewn-02131817-n", None),
    ("lizard", "lizard", "oewn-01677105-n", None),
    ("lobster", "lobster", "oewn-01985291-n", "the crustacean; sense 1 is its flesh as food"),
    ("man", "man", "oewn-10306910-n", None),               # adult male
    ("maple_tree", "maple", "oewn-12772965-n",
     "'maple tree' is not an OEWN lemma; the tree (genus Acer); sense 1 of maple is its wood"),
    ("motorcycle", "motorcycle", "oewn-03796045-n", None),
    ("mountain", "mountain", "oewn-09382700-n", None),
    ("mouse", "mouse", "oewn-02332897-n", None),           # the rodent
    ("mushroom", "mushroom", "oewn-13018679-n",
     "the fungus with a cap on a stem in general (the images are mostly wild mushrooms and "
     "toadstools); sense 1 is only the edible agaric, sense 5 the vegetable"),
    ("oak_tree", "oak tree", "oewn-12288763-n", None),     # oak, oak tree (sense 2 of 'oak')
    ("orange", "orange", "oewn-07763583-n", None),         # the fruit
    ("orchid", "orchid", "oewn-12061915-n", None),
    ("otter", "otter", "oewn-02447450-n", "the animal; sense 1 is its fur"),
    ("palm_tree", "palm tree", "oewn-12602979-n", None),   # palm, palm tree (sense 3 of 'palm')
    ("pear", "pear", "oewn-07783823-n", None),             # the fruit
    ("pickup_truck", "pickup truck", "oewn-03936868-n", None),
    ("pine_tree", "pine tree", "oewn-11628701-n", None),
    ("plain", "plain", "oewn-09416498-n", None),           # flat open land
    ("plate", "plate", "oewn-03965779-n",
     "the dish food is served on; sense 1 is home plate (baseball), 2 a sheet of metal etc."),
    ("poppy", "poppy", "oewn-11921038-n", None),
    ("porcupine", "porcupine", "oewn-02349279-n", None),
    ("possum", "possum", "oewn-01877569-n", None),         # opossum (sense 2: Australian phalanger)
    ("rabbit", "rabbit", "oewn-02326697-n", None),
    ("raccoon", "raccoon", "oewn-02510652-n", "the animal; sense 1 is its fur"),
    ("ray", "ray", "oewn-01498342-n",
     "the cartilaginous fish (skates and rays); senses 1-6 are light beams, geometry, etc."),
    ("road", "road", "oewn-04103160-n", None),
    ("rocket", "rocket", "oewn-04106523-n", None),         # rocket-propelled vehicle
    ("rose", "rose", "oewn-12640957-n", None),             # rose, rosebush
    ("sea", "sea", "oewn-09449666-n", None),
    ("seal", "seal", "oewn-02078848-n",
     "the marine mammal; senses 1-7 are sealing wax, stamps, fur, coatings, fasteners"),
    ("shark", "shark", "oewn-01484971-n", None),
    ("shrew", "shrew", "oewn-01894274-n", "the small mammal; sense 1 is a scolding woman"),
    ("skunk", "skunk", "oewn-02448346-n",
     "the animal; senses 1-3 are a despicable person, a shutout, marijuana"),
    ("skyscraper", "skyscraper", "oewn-04240233-n", None),
    ("snail", "snail", "oewn-01947031-n", None),
    ("snake", "snake", "oewn-01729333-n", None),
    ("spider", "spider", "oewn-01774863-n", None),
    ("squirrel", "squirrel", "oewn-02357879-n", None),
    ("streetcar", "streetcar", "oewn-04342573-n", None),
    ("sunflower", "sunflower", "oewn-11998702-n", None),
    ("sweet_pepper", "sweet pepper", "oewn-07736360-n",
     "the bell-pepper fruit/vegetable, like apple/orange/pear (fruit senses) in the same "
     "'fruit and vegetables' superclass; sense 1 is the plant"),
    ("table", "table", "oewn-04386330-n", "the furniture; sense 1 is a table of data"),
    ("tank", "tank", "oewn-04396120-n", None),             # army tank
    ("telephone", "telephone", "oewn-04408223-n", None),
    ("television", "television", "oewn-04413042-n",
     "the TV set (receiver); sense 1 is broadcasting, sense 2 the system"),
    ("tiger", "tiger", "oewn-02132256-n", "the big cat; sense 1 is a fierce or audacious person"),
    ("tractor", "tractor", "oewn-04472736-n", None),
    ("train", "train", "oewn-04475240-n", None),
    ("trout", "trout", "oewn-02539716-n", "the living fish; sense 1 is its flesh as food"),
    ("tulip", "tulip", "oewn-12474664-n", None),
    ("turtle", "turtle", "oewn-01665425-n", "the reptile; sense 1 is a turtleneck sweater"),
    ("wardrobe", "wardrobe", "oewn-04557470-n", None),
    ("whale", "whale", "oewn-02065397-n", "the cetacean; sense 1 is a very large person"),
    ("willow_tree", "willow tree", "oewn-12745702-n", None),
    ("wolf", "wolf", "oewn-02116752-n", None),
    ("woman", "woman", "oewn-10807146-n", None),           # adult female
    ("worm", "worm", "oewn-01924944-n", None),
]

# ---------------------------------------------------------------------------------------------
# ImageNet-1k
# ---------------------------------------------------------------------------------------------
# wnid -> OEWN synset id, for wnids that do not map one-to-one through CILI onto an OEWN noun
# synset. Every entry must be needed (the script fails on a stale entry). None are needed for
# OEWN 2025 + CILI dfc99e1: all 1,000 wnids map to exactly one noun synset.
IMAGENET_SYNSET_OVERRIDES = {}

# wnid -> label, for every class whose first name collides with another class's first name
# (compared ignoring case). Every colliding class is renamed; the script fails if one is
# missing or an entry is stale.
IMAGENET_LABEL_OVERRIDES = {
    "n02012849": "crane (bird)",        # class 134: wading bird
    "n03126707": "crane (machine)",     # class 517: lifting machine
    "n02113186": "Cardigan (dog)",      # class 264: Cardigan Welsh corgi
    "n02963159": "cardigan (sweater)",  # class 474: knitted jacket
    "n03710637": "maillot (tights)",    # class 638: tights for dancers or gymnasts
    "n03710721": "maillot (swimsuit)",  # class 639: maillot, tank suit (one-piece bathing suit)
}


class CheckError(Exception):
    pass


def fail(msg):
    raise CheckError(msg)


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------
def load_lmf(path):
    """Return (synsets, noun_senses).

    synsets: id -> {"ili": str or None, "pos": str}
    noun_senses: writtenForm -> [synset id, ...] in LMF sense order (the order `wn` reports),
    for partOfSpeech "n" only.
    """
    synsets = {}
    noun_senses = {}
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        for _event, el in ET.iterparse(f, events=("end",)):
            tag = el.tag
            if tag == "LexicalEntry":
                lemma = el.find("Lemma")
                if lemma is not None and lemma.get("partOfSpeech") == "n":
                    lst = noun_senses.setdefault(lemma.get("writtenForm"), [])
                    for s in el.findall("Sense"):
                        lst.append(s.get("synset"))
                el.clear()
            elif tag == "Synset":
                synsets[el.get("id")] = {"ili": el.get("ili"), "pos": el.get("partOfSpeech")}
                el.clear()
    if not synsets:
        fail(f"{path}: no Synset elements found")
    return synsets, noun_senses


def real_ili(ili):
    """LMF uses ili="in" for a proposed (not yet assigned) ILI and "" for none."""
    return ili if ili and re.fullmatch(r"i\d+", ili) else None


def load_cili_pwn30(path):
    ili_to_pwn, pwn_to_ili = {}, {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2:
                fail(f"{path}:{n}: expected 'ILI<TAB>offset-pos', got {line!r}")
            ili, pwn = parts
            if ili in ili_to_pwn and ili_to_pwn[ili] != pwn:
                fail(f"{path}:{n}: {ili} maps to both {ili_to_pwn[ili]} and {pwn}")
            if pwn in pwn_to_ili and pwn_to_ili[pwn] != ili:
                fail(f"{path}:{n}: {pwn} maps to both {pwn_to_ili[pwn]} and {ili}")
            ili_to_pwn[ili] = pwn
            pwn_to_ili[pwn] = ili
    return ili_to_pwn, pwn_to_ili


def load_cifar10_names(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def load_imagenet(path):
    rows = []
    pat = re.compile(r"^(n\d{8})\s+(?::\s+)?(.+)$")
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            m = pat.match(line)
            if not m:
                fail(f"{path}:{n}: cannot parse {line!r}")
            names = [x.strip() for x in m.group(2).split(",")]
            rows.append((m.group(1), names))
    if len(rows) != 1000:
        fail(f"{path}: expected 1000 classes, found {len(rows)}")
    if len({w for w, _ in rows}) != 1000:
        fail(f"{path}: wnids are not unique")
    return rows


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------
def build_cifar(name, senses, expected_labels, synsets, noun_senses, ili_to_pwn):
    labels = [s[0] for s in senses]
    if labels != expected_labels:
        fail(f"{name}: sense table labels differ from the data set's labels/order:\n"
             f"  table: {labels}\n  data:  {expected_labels}")
    rows, not_first = [], []
    for index, (label, lemma, sid, reason) in enumerate(senses):
        if sid not in synsets:
            fail(f"{name}: {label}: synset {sid} not in the LMF")
        if synsets[sid]["pos"] != "n":
            fail(f"{name}: {label}: synset {sid} is not a noun synset")
        lemma_senses = noun_senses.get(lemma)
        if not lemma_senses:
            fail(f"{name}: {label}: '{lemma}' is not a noun lemma in the LMF")
        if sid not in lemma_senses:
            fail(f"{name}: {label}: {sid} is not a noun sense of '{lemma}' "
                 f"(senses: {lemma_senses})")
        rank = lemma_senses.index(sid) + 1
        if rank > 1 and not reason:
            fail(f"{name}: {label}: {sid} is sense {rank} of '{lemma}' but has no reason")
        if rank > 1 or lemma.replace(" ", "_") != label:
            not_first.append((label, lemma, rank, len(lemma_senses), sid, reason))
        ili = real_ili(synsets[sid]["ili"])
        if ili is None:
            fail(f"{name}: {label}: synset {sid} has no ILI (ili={synsets[sid]['ili']!r})")
        pwn = ili_to_pwn.get(ili)
        if pwn is None:
            fail(f"{name}: {label}: {ili} ({sid}) has no WordNet 3.0 synset in CILI")
        rows.append((index, label, sid, ili, pwn))
    if len({sid for _, _, sid, _, _ in rows}) != len(rows):
        fail(f"{name}: two classes map to the same synset")
    return rows, not_first


def build_imagenet(inet, synsets, ili_to_pwn, pwn_to_ili):
    by_ili = {}
    for sid, s in synsets.items():
        ili = real_ili(s["ili"])
        if ili is not None:
            by_ili.setdefault(ili, []).append(sid)

    rows, problems, used_overrides = [], [], set()
    for index, (wnid, names) in enumerate(inet):
        pwn = wnid[1:] + "-n"
        ili = pwn_to_ili.get(pwn)
        cands = by_ili.get(ili, []) if ili else []
        issue = None
        if ili is None:
            issue = "no ILI for this WordNet 3.0 synset in CILI"
        elif not cands:
            issue = f"{ili} is not carried by any OEWN synset"
        elif len(cands) > 1:
            issue = f"{ili} is carried by several OEWN synsets {cands}"
        elif synsets[cands[0]]["pos"] != "n":
            issue = f"{ili} -> {cands[0]} is not a noun synset"
        if wnid in IMAGENET_SYNSET_OVERRIDES:
            used_overrides.add(wnid)
            if issue is None:
                problems.append(f"class {index} {wnid}: stale IMAGENET_SYNSET_OVERRIDES entry "
                                f"(maps cleanly to {cands[0]})")
                continue
            sid = IMAGENET_SYNSET_OVERRIDES[wnid]
            if sid not in synsets or synsets[sid]["pos"] != "n":
                problems.append(f"class {index} {wnid}: override {sid} is not an OEWN noun synset")
                continue
            ili = real_ili(synsets[sid]["ili"])
            if ili is None:
                problems.append(f"class {index} {wnid}: override {sid} has no ILI")
                continue
        elif issue is not None:
            problems.append(f"class {index} {wnid} ({names[0]}): {issue}; "
                            f"add it to IMAGENET_SYNSET_OVERRIDES")
            continue
        else:
            sid = cands[0]
        rows.append([index, names[0], sid, ili, ili_to_pwn.get(ili, pwn)])
    if problems:
        fail("imagenet1k:\n  " + "\n  ".join(problems))

    # Labels: rename every class whose first name collides (ignoring case) with another.
    groups = {}
    for r in rows:
        groups.setdefault(r[1].casefold(), []).append(r)
    colliding = {inet[r[0]][0] for g in groups.values() if len(g) > 1 for r in g}
    missing = sorted(colliding - IMAGENET_LABEL_OVERRIDES.keys())
    stale = sorted(IMAGENET_LABEL_OVERRIDES.keys() - colliding)
    if missing or stale:
        fail(f"imagenet1k: label overrides out of date: missing for {missing}, stale {stale}")
    for r in rows:
        wnid = inet[r[0]][0]
        if wnid in IMAGENET_LABEL_OVERRIDES:
            r[1] = IMAGENET_LABEL_OVERRIDES[wnid]
    if len(set(r[2] for r in rows)) != len(rows):
        fail("imagenet1k: two classes map to the same OEWN synset")
    return [tuple(r) for r in rows]


def render(rows):
    out = [HEADER]
    for index, label, sid, ili, pwn in rows:
        out.append(f"{index}\t{label}\t{sid}\t{ili}\t{pwn}\n")
    return "".join(out).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Verification of a rendered table against the sources (independent of how it was built)
# ---------------------------------------------------------------------------------------------
def verify_table(name, data, n, synsets, ili_to_pwn, expected_labels=None):
    text = data.decode("utf-8")
    lines = text.split("\n")
    if not text.endswith("\n") or lines[0] + "\n" != HEADER:
        fail(f"{name}: bad header or missing final newline")
    lines = lines[1:-1]
    if len(lines) != n:
        fail(f"{name}: expected {n} rows, found {len(lines)}")
    seen_labels, seen_sids = set(), set()
    for i, line in enumerate(lines):
        f = line.split("\t")
        if len(f) != 5:
            fail(f"{name}: row {i}: expected 5 fields, got {len(f)}")
        index, label, sid, ili, pwn = f
        if index != str(i):
            fail(f"{name}: row {i}: index is {index!r}")
        if not label or label != label.strip() or label.casefold() in seen_labels:
            fail(f"{name}: row {i}: label {label!r} empty, padded or not unique")
        seen_labels.add(label.casefold())
        if expected_labels is not None and label != expected_labels[i]:
            fail(f"{name}: row {i}: label {label!r}, data set says {expected_labels[i]!r}")
        s = synsets.get(sid)
        if s is None or s["pos"] != "n":
            fail(f"{name}: row {i}: {sid} is not a noun synset of the LMF")
        if s["ili"] != ili or real_ili(ili) is None:
            fail(f"{name}: row {i}: ili {ili!r} but the LMF says {s['ili']!r} for {sid}")
        if ili_to_pwn.get(ili) != pwn or not re.fullmatch(r"\d{8}-n", pwn):
            fail(f"{name}: row {i}: pwn30 {pwn!r} but CILI maps {ili} to {ili_to_pwn.get(ili)!r}")
        if sid in seen_sids:
            fail(f"{name}: row {i}: synset {sid} used twice")
        seen_sids.add(sid)


def main(argv=None):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    data = os.path.join(repo, "..", "shared", "data")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lmf", default=os.path.join(data, "wordnet", "english-wordnet-2025.xml.gz"))
    ap.add_argument("--cili-dir", default=os.path.join(data, "wordnet", "cili"))
    ap.add_argument("--cifar10", default=os.path.join(data, "cifar-10-batches-bin",
                                                      "batches.meta.txt"))
    ap.add_argument("--imagenet", default=os.path.join(data, "imagenet",
                                                       "LOC_synset_mapping.txt"))
    ap.add_argument("--out-dir", default=os.path.join(repo, "wordnet"))
    ap.add_argument("--check", action="store_true",
                    help="do not write; fail unless the existing files match byte for byte")
    ap.add_argument("--report", action="store_true", help="print the README tables")
    args = ap.parse_args(argv)

    try:
        synsets, noun_senses = load_lmf(args.lmf)
        ili_to_pwn, pwn_to_ili = load_cili_pwn30(os.path.join(args.cili_dir, "ili-map-pwn30.tab"))
        c10_labels = load_cifar10_names(args.cifar10)
        if len(c10_labels) != 10:
            fail(f"{args.cifar10}: expected 10 names, found {len(c10_labels)}")
        c100_labels = [s[0] for s in CIFAR100_SENSES]
        if len(c100_labels) != 100 or c100_labels != sorted(set(c100_labels)):
            fail("CIFAR100_SENSES: must be the 100 fine labels, unique, in alphabetical order")
        inet = load_imagenet(args.imagenet)

        c10_rows, c10_nf = build_cifar("cifar10", CIFAR10_SENSES, c10_labels,
                                       synsets, noun_senses, ili_to_pwn)
        c100_rows, c100_nf = build_cifar("cifar100", CIFAR100_SENSES, c100_labels,
                                         synsets, noun_senses, ili_to_pwn)
        inet_rows = build_imagenet(inet, synsets, ili_to_pwn, pwn_to_ili)

        tables = [("cifar10.tsv", c10_rows, 10, c10_labels),
                  ("cifar100.tsv", c100_rows, 100, c100_labels),
                  ("imagenet1k.tsv", inet_rows, 1000, None)]
        mismatches = []
        for fname, rows, n, labels in tables:
            path = os.path.join(args.out_dir, fname)
            blob = render(rows)
            verify_table(fname, blob, n, synsets, ili_to_pwn, labels)
            if not args.check:
                os.makedirs(args.out_dir, exist_ok=True)
                with open(path, "wb") as f:
                    f.write(blob)
            try:
                with open(path, "rb") as f:
                    on_disk = f.read()
            except FileNotFoundError:
                on_disk = None
            if on_disk != blob:
                mismatches.append(path)
            else:
                verify_table(fname, on_disk, n, synsets, ili_to_pwn, labels)
        if mismatches:
            fail("these files differ from what the sources produce (rerun without --check to "
                 "regenerate):\n  " + "\n  ".join(mismatches))
    except CheckError as e:
        print(f"build_classsets: ERROR: {e}", file=sys.stderr)
        return 1

    if args.report:
        for name, nf in (("cifar10", c10_nf), ("cifar100", c100_nf)):
            print(f"\n{name}: choices that are not sense 1 of the label, or looked up via "
                  f"another lemma\n")
            print("| label | lemma | sense # (of n) | OEWN synset | reason |")
            print("|---|---|---|---|---|")
            for label, lemma, rank, total, sid, reason in nf:
                print(f"| {label} | {lemma} | {rank} of {total} | `{sid}` | {reason or ''} |")
        print("\nimagenet1k label disambiguations\n")
        print("| index | wnid | name in LOC file | label |")
        print("|---|---|---|---|")
        for r in inet_rows:
            wnid, names = inet[r[0]]
            if wnid in IMAGENET_LABEL_OVERRIDES:
                print(f"| {r[0]} | {wnid} | {', '.join(names)} | {r[1]} |")
    verb = "verified" if args.check else "wrote and verified"
    print(f"build_classsets: {verb} cifar10.tsv (10), cifar100.tsv (100), imagenet1k.tsv (1000) "
          f"in {os.path.normpath(args.out_dir)}; ImageNet synset overrides used: "
          f"{len(IMAGENET_SYNSET_OVERRIDES)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
