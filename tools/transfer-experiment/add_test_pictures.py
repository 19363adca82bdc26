#!/usr/bin/env python3
"""Adds the test-picture list (results.md's "Test pictures" block, results.json's test_pictures) to published
`experiment transfer` files written before the report had it, from reruns of some of the published runs with the
same command: the list depends on the test set alone (drawn with its own seed), so a rerun of any size of a target
has it. Nothing is written unless every row, advice and classifier row of each rerun equals the published one in
every field but the seconds (phases and per-epoch histories included): the reruns must be the published runs again,
not new figures. Every published target must be covered by some rerun.
usage: add_test_pictures.py PUBLISHED_DIR RUN_DIR [RUN_DIR ...]
"""
import json, os, sys

pub_dir, runs = sys.argv[1], sys.argv[2:]
pub = json.load(open(os.path.join(pub_dir, "results.json")))
if "test_pictures" in pub:
    sys.exit(f"{pub_dir}/results.json already has test_pictures")


def plain(x):
    """x without the wall-clock figures (which no rerun reproduces), recursively."""
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items() if "second" not in k}
    if isinstance(x, list):
        return [plain(v) for v in x]
    return x


def by_key(items, *fields):
    return {tuple(i.get(f) for f in fields): i for i in items}


published = {"rows": by_key(pub["rows"], "target", "per_class", "case"),
             "advice": by_key(pub["advice"], "target", "per_class"),
             "classifiers": by_key(pub.get("classifiers", []), "target", "classifier")}
fields = {"rows": ("target", "per_class", "case"), "advice": ("target", "per_class"),
          "classifiers": ("target", "classifier")}
differences, tests, header, lines = [], {}, None, {}
for r in runs:
    d = json.load(open(os.path.join(r, "results.json")))
    for k in ("seed", "test_per_class", "pretrain_per_class", "pretrain_epochs"):
        if d["config"].get(k) != pub["config"].get(k):
            differences.append(f"{r}: config {k} {d['config'].get(k)} (published {pub['config'].get(k)})")
    compared = 0
    for part, keys in fields.items():
        for item in d.get(part, []):
            key = tuple(item.get(f) for f in keys)
            p = published[part].get(key)
            compared += 1
            if p is None or plain(item) != plain(p):
                differences.append(f"{r}: {part} {key} differs from the published")
    for t in d.get("test_pictures", []):
        tests.setdefault(t["target"], t)
    md = open(os.path.join(r, "results.md")).read().split("\n")
    start = next((i for i, l in enumerate(md) if l.startswith("Test pictures")), None)
    if start is None:
        differences.append(f"{r}: results.md has no test-picture list (a jar before the list)")
        continue
    header = header or md[start]
    i = start + 2
    while i < len(md) and md[i].startswith("- "):
        lines.setdefault(md[i], md[i])
        i += 1
    print(f"{r}: {compared} rows, advice and classifier rows compared")
targets = list(pub["config"]["targets"])
missing = [t for t in targets if t not in tests]
if missing:
    differences.append(f"no rerun covers {missing}")
if differences:
    sys.exit("nothing written:\n  " + "\n  ".join(differences))

# results.json: test_pictures after base_accuracy, where the report writes it
out = {}
for k, v in pub.items():
    out[k] = v
    if k == "base_accuracy":
        out["test_pictures"] = [tests[t] for t in targets]
json.dump(out, open(os.path.join(pub_dir, "results.json"), "w"), indent=2)

# results.md: the block after the base's paragraph, where the report writes it, one line per target in table order
md_path = os.path.join(pub_dir, "results.md")
md = open(md_path).read().split("\n")
target_lines = [next(l for l in lines.values() if l.startswith("- " + t + ":")) for t in targets]
at = md.index("", next(i for i, l in enumerate(md) if l.startswith("Base:"))) + 1
md[at:at] = [header, ""] + target_lines + [""]
open(md_path, "w").write("\n".join(md))
print(f"added the test pictures of {len(targets)} targets to {pub_dir}/results.json and results.md")
