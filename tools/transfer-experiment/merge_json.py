#!/usr/bin/env python3
"""Merges the results.json of `experiment transfer` runs of one seed and base that split the sizes and targets
between them (each target and size is computed from the seed alone: together they are the rows of one run; see
merge_runs.py for results.md/.csv and MergeRuns.java for the chart). Rows, advice and classifier rows are ordered by
target (as the runs list them), then size; the config is the first run's with the sizes and targets of all; the
seconds are the sum; "test_pictures" (runs that record it) one entry per target; "merged_from" names the runs.
usage: merge_json.py OUT.json RUN_DIR[:classifiers] [RUN_DIR[:classifiers] ...]
(RUN_DIR:classifiers: only that run's classifier comparison, e.g. a `--cases 0 --sizes 100` run made for it)
"""
import json, os, sys

out, runs = sys.argv[1], sys.argv[2:]
targets, sizes, merged = [], set(), None
rows, advice, classifiers, seconds = [], [], [], 0.0
tests = {}  # target -> its test_pictures entry (runs of a newer jar; the same pictures in every run of a target)
for r in runs:
    only_classifiers = r.endswith(":classifiers")
    r = r.removesuffix(":classifiers")
    d = json.load(open(os.path.join(r, "results.json")))
    if only_classifiers:
        d["rows"], d["advice"] = [], []
    merged = merged or d
    for name, spec in d["config"]["targets"].items():
        if name not in [t[0] for t in targets]:
            targets.append((name, spec))
    order = [t[0] for t in targets]
    rows += [(order.index(x["target"]), x["per_class"], len(rows), x) for x in d["rows"]]
    advice += [(order.index(x["target"]), x["per_class"], len(advice), x) for x in d["advice"]]
    classifiers += [(order.index(x["target"]), 0, len(classifiers), x) for x in d.get("classifiers", [])]
    sizes |= {x["per_class"] for x in d["rows"]}
    seconds += d.get("seconds", 0)
    for t in d.get("test_pictures", []):
        tests.setdefault(t["target"], t)
merged["config"]["sizes"] = sorted(sizes)
merged["config"]["targets"] = dict(targets)
merged["rows"] = [x[3] for x in sorted(rows, key=lambda t: t[:3])]
merged["advice"] = [x[3] for x in sorted(advice, key=lambda t: t[:3])]
merged["classifiers"] = [x[3] for x in sorted(classifiers, key=lambda t: t[:3])]
merged["seconds"] = seconds
if tests:
    merged["test_pictures"] = [tests[t[0]] for t in targets if t[0] in tests]
merged["merged_from"] = [os.path.basename(os.path.normpath(r.removesuffix(":classifiers"))) for r in runs]
json.dump(merged, open(out, "w"), indent=2)
print(f"wrote {out}: {len(rows)} rows, {len(advice)} advice, {len(classifiers)} classifier rows")
