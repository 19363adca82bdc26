#!/usr/bin/env python3
"""Merges the results.md and results.csv of `experiment transfer` runs of one seed and base that split the sizes
between them (each size is computed from the seed alone, so together they are the rows of one run with all the
sizes; docs/TRANSFER.md, "The experiment"). Rows are ordered by target (as the runs list them), then size, then as
each run wrote them; tables only one run has (Case 1's classifiers) are kept; the total time is the sum; the "Test pictures" list
holds every run's lines, each once.
usage: merge_runs.py OUT_DIR RUN_DIR [RUN_DIR ...]       (the chart: MergeRuns.java)
A RUN_DIR:classifiers gives only that run's classifier comparison (no rows; e.g. a `--cases 0` run made for it).
"""
import csv, os, re, sys

out, runs = sys.argv[1], [r.removesuffix(":classifiers") for r in sys.argv[2:]]
only_classifiers = {r.removesuffix(":classifiers") for r in sys.argv[2:] if r.endswith(":classifiers")}
targets = []


def key(target, n, i):
    if target not in targets:
        targets.append(target)
    return (targets.index(target), int(n), i)


# results.csv
rows, header = [], None
for r in runs:
    if r in only_classifiers:
        continue
    with open(os.path.join(r, "results.csv"), newline="") as f:
        rd = csv.reader(f)
        h = next(rd)
        if header and h != header:
            sys.exit(f"{r}: results.csv columns differ")
        header = h
        for row in rd:
            rows.append((key(row[0], row[1], len(rows)), row))
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "results.csv"), "w", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(header)
    w.writerows(row for _, row in sorted(rows))

# results.md: blocks of text and tables, matched by position and table header
docs = [open(os.path.join(r, "results.md")).read().split("\n") for r in runs]


def blocks(lines):
    out, cur = [], None
    for line in lines:
        if line.startswith("|"):
            if cur is None or cur[0] != "table":
                cur = ["table", []]
                out.append(cur)
            cur[1].append(line)
        else:
            cur = ["text", line]
            out.append(cur)
    return out


merged = blocks(docs[0])
total = 0.0
for d in docs:
    m = re.search(r"Total time ([0-9.]+) s", "\n".join(d))
    total += float(m.group(1)) if m else 0
for r, d in zip(runs[1:], docs[1:]):
    for b in blocks(d):
        if b[0] != "table" or (r in only_classifiers and not b[1][0].startswith("| classifier")):
            continue
        same = [m for m in merged if m[0] == "table" and m[1][0] == b[1][0]]
        if same:
            same[0][1].extend(b[1][2:])
        else:
            merged.append(["text", ""])
            merged.append(b)
lines = []
for b in merged:
    if b[0] == "text":
        lines.append(re.sub(r"Total time [0-9.]+ s", f"Total time {total:.0f} s (the merged runs' sum)", b[1]))
        continue
    body = b[1][2:]
    if all(len(c.split("|")) > 3 for c in body) and not b[1][0].startswith("| classifier"):
        idx = {}
        body = sorted(body, key=lambda c: key(c.split("|")[1].strip(), c.split("|")[2].strip(), idx.setdefault(c, len(idx))))
    lines += b[1][:2] + body


def epochs(lines):
    """The lines inside the fence of the per-epoch history section, and the index of its closing fence."""
    start = next((i for i, l in enumerate(lines) if l.startswith("Per-epoch history")), None)
    if start is None:
        return [], None
    opening = lines.index("```", start)
    closing = lines.index("```", opening + 1)
    return lines[opening + 1:closing], closing


# the per-epoch history of every run (the text blocks above come from the first run only), in the order given
_, close = epochs(lines)
more = [l for r, d in zip(runs[1:], docs[1:]) if r not in only_classifiers for l in epochs(d)[0]]
if more:
    if close is None:
        sys.exit("the first run has no per-epoch history section to add the others' to")
    lines[close:close] = more
# the test pictures (runs that list them, one "- TARGET: ..." line per target after the "Test pictures" line): every
# run's lines, each once, in the order of the runs (a target is scored on the same pictures in every run of one
# --test-per-class: two lines for one target mean the runs differ there)
def test_lines(lines):
    start = next((i for i, l in enumerate(lines) if l.startswith("Test pictures")), None)
    if start is None:
        return None, []
    i = start + 2
    while i < len(lines) and lines[i].startswith("- "):
        i += 1
    return start, lines[start + 2:i]


start, first = test_lines(lines)
if start is not None:
    seen = []
    for d in docs:
        seen += [l for l in test_lines(d)[1] if l != "- not counted in this report" and l not in seen]
    lines[start + 2:start + 2 + len(first)] = seen or first
open(os.path.join(out, "results.md"), "w").write("\n".join(lines))
print(f"wrote {out}/results.csv ({len(rows)} rows) and results.md")
