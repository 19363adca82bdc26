#!/usr/bin/env python3
"""The paired validation loss-gain rule for keeping fine-tuning (FineTuneSettings.keepSe), scored two ways.

choose: counterfactual scoring of thresholds T on runs made with --keep-se 0 (results.json of `experiment transfer`,
        which logs each case's paired loss gain and its standard error) plus a run of the same seed in which the tuning
        was never kept (results.csv of a --keep-z 1.96 run: in those runs phase 2 was kept in 0 of 32 cells, so Cases 2
        and 3 there are the head alone). A cell whose tuning the default kept keeps it under T only when
        gain >= T standard errors; otherwise it gets the head-alone run's test accuracy.
    python3 keep_se.py choose --thresholds 0,0.5,1,2 2028=sel-2028/results.json,keepz-2028/results.csv ...
bars:   the issue's two bars in finished runs (results.json): Cases 2 and 3 >= Case 1 - 2 points in every cell, and
        --try's pick within 2 points of the best case of its setting.
    python3 keep_se.py bars 2030=run-2030/results.json ...
Standard library only.
"""
import csv
import json
import sys


def load_json(path):
    with open(path) as f:
        return json.load(f)


def tune_phase(row):
    for p in row.get("phases", []):
        if p["phase"] == 2 and "tuning_kept" in p:
            return p
    return None


def head_alone(csv_path):
    out = {}
    with open(csv_path) as f:
        for r in csv.DictReader(f):
            out[(r["target"], int(r["per class"]), r["case"].split(" ")[0])] = float(r["test accuracy"])
    return out


def choose(args):
    thresholds = [0.0]
    runs = []
    for a in args:
        if a.startswith("--thresholds="):
            thresholds = [float(x) for x in a.split("=", 1)[1].split(",")]
        else:
            seed, files = a.split("=", 1)
            j, c = files.split(",")
            runs.append((seed, load_json(j), head_alone(c)))
    print("seed,target,per_class,case,case1,tuned_kept_by_default,loss_gain,se,t,test_if_kept,test_head_alone,"
          + ",".join("T%g" % t for t in thresholds))
    summary = {t: [0, 0, 0.0] for t in thresholds}  # cells, misses, sum(case - case1)
    for seed, rep, alone in runs:
        case1 = {(r["target"], r["per_class"]): r["test_accuracy"] for r in rep["rows"] if r["case"] == "1"}
        for r in rep["rows"]:
            if r["case"] not in ("2", "3"):
                continue
            key = (r["target"], r["per_class"], r["case"])
            p = tune_phase(r)
            c1 = case1[(r["target"], r["per_class"])]
            kept = bool(p and p["tuning_kept"])
            gain = p.get("loss_gain_vs_head", float("nan")) if p else float("nan")
            se = p.get("loss_gain_se", float("nan")) if p else float("nan")
            t = gain / se if se and se > 0 else (float("inf") if gain > 0 else 0.0)
            ha = alone.get(key, float("nan"))
            picks = []
            for th in thresholds:
                acc = r["test_accuracy"] if kept and (th <= 0 or t >= th) else (ha if kept else r["test_accuracy"])
                picks.append(acc)
                s = summary[th]
                s[0] += 1
                s[1] += 1 if acc < c1 - 0.02 + 1e-9 else 0
                s[2] += acc - c1
            print("%s,%s,%d,%s,%.3f,%s,%.4f,%.4f,%.2f,%.3f,%.3f,%s" % (seed, r["target"], r["per_class"], r["case"], c1,
                  kept, gain, se, t, r["test_accuracy"], ha, ",".join("%.3f" % x for x in picks)))
    print()
    for th in thresholds:
        n, miss, tot = summary[th]
        print("T=%g: cells %d, misses of the fine-tuning bar %d, mean case 2/3 - case 1 %+.2f points"
              % (th, n, miss, 100 * tot / max(n, 1)))


def bars(args):
    tot_ft, miss_ft, tot_adv, miss_adv, below = 0, 0, 0, 0, 0.0
    for a in args:
        seed, path = a.split("=", 1)
        rep = load_json(path)
        acc = {(r["target"], r["per_class"], r["case"]): r for r in rep["rows"]}
        for (target, n, case), r in sorted(acc.items()):
            if case not in ("2", "3") or (target, n, "1") not in acc:
                continue
            c1 = acc[(target, n, "1")]["test_accuracy"]
            p = tune_phase(r)
            ok = r["test_accuracy"] >= c1 - 0.02 - 1e-9
            tot_ft += 1
            miss_ft += 0 if ok else 1
            print("%s %-28s %4d case %s %.3f vs case 1 %.3f (%+.1f) %s; tuning %s" % (
                seed, target, n, case, r["test_accuracy"], c1, 100 * (r["test_accuracy"] - c1),
                "bar met" if ok else "BAR MISSED", (("kept" if p["tuning_kept"] else "not kept") + " (" + p["keep_reason"]
                                                   + ")") if p else "-"))
        for a in rep["advice"]:
            if "try_pick" not in a:
                continue
            d = 100 * (a["best_test_accuracy"] - a["try_pick_test_accuracy"])
            tot_adv += 1
            miss_adv += 1 if d > 2 + 1e-9 else 0
            below += d
            print("%s %-28s %4d advisor picks %s: %.3f, best %.3f, %.1f points below%s" % (
                seed, a["target"], a["per_class"], a["try_pick"], a["try_pick_test_accuracy"], a["best_test_accuracy"],
                d, "  ADVISOR BAR MISSED" if d > 2 + 1e-9 else ""))
    print("fine-tuning bar: %d of %d cells met; advisor bar: %d of %d settings met, mean %.2f points below the best"
          % (tot_ft - miss_ft, tot_ft, tot_adv - miss_adv, tot_adv, below / max(tot_adv, 1)))


if __name__ == "__main__":
    {"choose": choose, "bars": bars}[sys.argv[1]](sys.argv[2:])
