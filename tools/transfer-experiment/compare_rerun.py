#!/usr/bin/env python3
"""Compares rerun directories of `experiment transfer` with a published results.json, field by field.

usage: compare_rerun.py PUBLISHED/results.json RUN_DIR...

Every row (test and held-out accuracy, fold answers, every phase's epochs, kept epoch, keep decision and each epoch's
losses), the advice (similarity, the table's case, --try's pick and verdict) and Case 1's classifier rows must equal
the published ones; only seconds may differ. A classifier-comparison run (`--cases 0`) scores Case 0 alone, so its
advice's best test accuracy is Case 0's and is not compared (the published one comes from the run of all cases).
Prints each run's count of differences and the first 20 of them.
"""
import json
import sys


def no_seconds(phases):
    return [{k: v for k, v in p.items() if "second" not in k and k != "history"}
            | {"history": [{k: v for k, v in e.items() if "second" not in k} for e in p.get("history", [])]}
            for p in phases]


def main(published, runs):
    pub = json.load(open(published))
    key = lambda r: (r["target"], r["per_class"], r["case"])
    rows = {key(r): r for r in pub["rows"]}
    advice = {(a["target"], a["per_class"]): a for a in pub["advice"]}
    classifiers = {(c["target"], c.get("classifier")): c for c in pub.get("classifiers", [])}
    skip = {"phases", "refit_phases", "refit", "history"}
    for run in runs:
        d = json.load(open(f"{run}/results.json"))
        diffs = []
        for r in d["rows"]:
            p = rows[key(r)]
            diffs += [(key(r), k, r[k], p.get(k)) for k in r if k not in skip and "second" not in k and r[k] != p.get(k)]
            diffs += [(key(r), k, "differs", "") for k in ("phases", "refit_phases")
                      if no_seconds(r.get(k, [])) != no_seconds(p.get(k, []))]
        only_case_0 = all(r["case"] == "0" for r in d["rows"])
        for a in d["advice"]:
            p = advice[(a["target"], a["per_class"])]
            diffs += [((a["target"], a["per_class"]), "advice." + k, str(a[k])[:80], str(p.get(k))[:80]) for k in a
                      if "second" not in k and not (only_case_0 and k == "best_test_accuracy") and a[k] != p.get(k)]
        for c in d.get("classifiers", []):
            p = classifiers.get((c["target"], c.get("classifier")), {})
            diffs += [((c["target"], c.get("classifier")), "classifier." + k, c[k], p.get(k)) for k in c
                      if "second" not in k and c[k] != p.get(k)]
        print(f"{run}: {len(d['rows'])} rows, {len(d['advice'])} advice, {len(d.get('classifiers', []))} classifier"
              f" rows; differences from the published: {len(diffs)}")
        for x in diffs[:20]:
            print("   ", x)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
