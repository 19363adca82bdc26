#!/usr/bin/env python3
"""Checks the catalogue's figures against the official files themselves: the one check that needs the network.

Run by a maintainer on a machine with internet (or against a mirror filled with `convnet4j weights fetch`):

    python3 tools/weights/check_official.py --out /tmp/official-check            # every catalogue entry
    python3 tools/weights/check_official.py --out /tmp/official-check resnet18:imagenet vgg16:keras

For each entry it runs the convnet4j command line (default: this repository's ./convnet4j launcher):

1. `weights fetch NAME`: download (official URL, or CONVNET4J_WEIGHTS_MIRROR), convnet4j's own checksum check;
2. reads the cached file here: exact bytes, full SHA-256 and MD5, and checks them again independently of convnet4j
   (the catalogue's SHA-256 prefix or MD5, any md5_also), and the size against the published one (torchvision's
   _file_size to its three decimals of MiB; Keras' exact byte count where the catalogue quotes it);
3. loadable entries: `summary --model NAME --json` (the file loads into the zoo model; parameters reported);
4. entries with a classifier: `predict --model NAME --json -k 5 PICTURE` on a picture of a cat (default
   demo/images/chelsea.png): the top class must be one of ImageNet's domestic cats (281 tabby, 282 tiger cat,
   283 Persian, 284 Siamese, 285 Egyptian cat). A file whose class rows did not follow the index convnet4j uses
   (torchvision's _IMAGENET_CATEGORIES = Keras' imagenet_class_index.json) would put another label first.

Writes OUT/report.md (a table) and OUT/report.json (every figure, with the full SHA-256 and byte count to put into
the catalogue); exit status 0 if every check passed, 1 otherwise. The environment passes through to convnet4j
(CONVNET4J_CACHE, CONVNET4J_WEIGHTS_MIRROR, CONVNET4J_WEIGHTS_CATALOGUE, CONVNET4J_JAVA_OPTS, https_proxy).
Only the standard library is used.
"""
import argparse
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CATS = {281: "tabby", 282: "tiger cat", 283: "Persian cat", 284: "Siamese cat", 285: "Egyptian cat"}


def run(cmd, args):
    p = subprocess.run(cmd + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err = [line for line in p.stderr.splitlines() if line.strip() and "Using incubator modules" not in line]
    return p.returncode, p.stdout, err


def digests(path):
    sha, md5, n = hashlib.sha256(), hashlib.md5(), 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
            md5.update(block)
            n += len(block)
    return n, sha.hexdigest(), md5.hexdigest()


def size_check(entry, n):
    """(ok or None if nothing is published to check against, text)."""
    mib = entry.get("size_mib")
    source = entry.get("size_source") or ""
    m = re.search(r"\((\d+) bytes", source)
    if m:
        want = int(m.group(1))
        return n == want, "%d bytes, published %d" % (n, want)
    if mib is None or source.startswith("not published"):
        return None, "%d bytes (%.3f MiB), no published size" % (n, n / 2 ** 20)
    got = n / 2 ** 20
    # torchvision rounds _file_size to three decimals
    return abs(got - mib) <= 0.0005 + 1e-9, "%.3f MiB, published %s" % (got, mib)


def check(cmd, entry, picture):
    name = entry["name"]
    row = {"name": name, "file": entry["file"], "url": entry["url"], "checks": {}, "problems": []}
    code, out, err = run(cmd, ["weights", "fetch", name])
    if code != 0:
        row["problems"].append("fetch: " + (err[-1] if err else "exit %d" % code))
        return row
    path = out.strip().splitlines()[-1]
    n, sha, md5 = digests(path)
    row.update({"path": path, "bytes": n, "sha256": sha, "md5": md5})
    if "md5" in entry:
        ok = md5 in [entry["md5"]] + entry.get("md5_also", [])
        row["checks"]["checksum"] = ok
        if not ok:
            row["problems"].append("MD5 %s is not the published %s" % (md5, entry["md5"]))
    else:
        ok = sha.startswith(entry["sha256"])
        row["checks"]["checksum"] = ok
        if not ok:
            row["problems"].append("SHA-256 %s does not start with %s" % (sha, entry["sha256"]))
    ok, text = size_check(entry, n)
    row["size"] = text
    if ok is not None:
        row["checks"]["size"] = ok
        if not ok:
            row["problems"].append("size: " + text)
    if not entry.get("loadable", True):
        return row
    code, out, err = run(cmd, ["summary", "--model", name, "--json"])
    row["checks"]["loads"] = code == 0
    if code != 0:
        row["problems"].append("summary: " + (err[-1] if err else "exit %d" % code))
        return row
    row["parameters"] = json.loads(out)["total_params"]
    if entry.get("classes") != "imagenet":
        return row
    code, out, err = run(cmd, ["predict", "--model", name, "--json", "--top-k", "5", picture])
    if code != 0:
        row["checks"]["class_rows"] = False
        row["problems"].append("predict: " + (err[-1] if err else "exit %d" % code))
        return row
    top = json.loads(out)["predictions"][0]["top"]
    # predict --json: "label" is the class index, "class" its name
    row["top5"] = [{"index": t["label"], "name": t["class"], "probability": t["probability"]} for t in top]
    ok = top[0]["label"] in CATS
    row["checks"]["class_rows"] = ok
    if not ok:
        row["problems"].append("class rows: the cat picture's top class is %d %s, not a cat (281-285)"
                               % (top[0]["label"], top[0]["class"]))
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="catalogue names (default: every entry)")
    ap.add_argument("--convnet4j", default=os.path.join(ROOT, "convnet4j"),
                    help="the command to run convnet4j (default: this repository's launcher)")
    ap.add_argument("--picture", default=os.path.join(ROOT, "demo", "images", "chelsea.png"),
                    help="a picture of a cat (default: demo/images/chelsea.png)")
    ap.add_argument("--out", required=True, help="directory for report.md and report.json")
    a = ap.parse_args()
    cmd = shlex.split(a.convnet4j)
    code, out, err = run(cmd, ["weights", "list", "--json"])
    if code != 0:
        sys.exit("weights list failed: " + "\n".join(err))
    entries = json.loads(out)["entries"]
    by_name = {e["name"]: e for e in entries}
    for e in entries:
        for alias in e.get("aliases", []):
            by_name.setdefault(alias, e)
    unknown = [n for n in a.names if n not in by_name]
    if unknown:
        sys.exit("not in the catalogue: " + ", ".join(unknown))
    chosen = [by_name[n] for n in a.names] if a.names else entries
    rows = []
    for e in chosen:
        row = check(cmd, e, a.picture)
        rows.append(row)
        print("%-28s %s" % (e["name"], "ok" if not row["problems"] else "; ".join(row["problems"])), flush=True)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "report.json"), "w") as f:
        json.dump({"picture": a.picture, "entries": rows}, f, indent=1)
        f.write("\n")
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write("| name | file | bytes | SHA-256 | size | loads (parameters) | top class on the cat picture | verdict |\n")
        f.write("|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            top = r.get("top5")
            f.write("| %s | %s | %s | %s | %s | %s | %s | %s |\n" % (
                r["name"], r["file"], r.get("bytes", ""), r.get("sha256", ""), r.get("size", ""),
                "" if "loads" not in r["checks"] else ("yes (%s)" % format(r["parameters"], ",")
                                                         if r["checks"]["loads"] else "no"),
                "%d %s %.3f" % (top[0]["index"], top[0]["name"], top[0]["probability"]) if top else "",
                "ok" if not r["problems"] else "; ".join(r["problems"]).replace("|", "/")))
    failed = [r["name"] for r in rows if r["problems"]]
    print("%d of %d entries passed every check%s" % (len(rows) - len(failed), len(rows),
                                                       "" if not failed else "; failed: " + ", ".join(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
