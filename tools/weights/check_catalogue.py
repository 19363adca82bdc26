#!/usr/bin/python3
"""Cross-checks convnet4j's weights catalogue against the published sources it was written from.

Reads the catalogue (convnet4j-io/src/main/resources/org/convnet4j/io/weights/catalogue.json) and compares every
entry with the reference source text, never with the files' bytes (this machine cannot download them):

  torchvision   the models' Weights enums (url, file name, hash prefix, num_params, _file_size, transforms'
                crop/resize/mean/std/interpolation, categories), parsed with Python's ast from the source of one or
                more torchvision releases: a directory holding torchvision/models/*.py or a wheel (.whl) file;
  keras         keras/src/applications/{vgg16,vgg19,resnet,inception_v3}.py of keras-team/keras and
                keras_applications/{vgg16,vgg19,resnet50,resnet_common,inception_v3}.py of
                keras-team/keras-applications (file names, URLs, file_hash/md5_hash, preprocess_input mode), read
                from git directories (git show HEAD:PATH);
  classes       our imagenet_classes.txt against torchvision's _IMAGENET_CATEGORIES.

Nothing is imported from the sources (they are parsed as text), so any torchvision version works without torch.
Prints one line per check, "ok" or "MISMATCH", then a summary; exits 1 if anything differs.

Usage (the run recorded in docs/WEIGHTS.md):
  /usr/bin/python3 tools/weights/check_catalogue.py \
      --torchvision /usr/lib/python3/dist-packages \
      --torchvision /opt/pypi-more/files/torchvision-0.29.1-cp311-cp311-manylinux_2_28_x86_64.whl \
      --keras KERAS_GIT_DIR --keras-applications KERAS_APPLICATIONS_GIT_DIR
(the wheel is a torchvision release file read as a zip, nothing installed; the git directories are clones of
keras-team/keras and keras-team/keras-applications).
"""
import argparse
import ast
import json
import os
import re
import subprocess
import sys
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CATALOGUE = os.path.join(ROOT, "convnet4j-io/src/main/resources/org/convnet4j/io/weights/catalogue.json")
CLASSES = os.path.join(ROOT, "convnet4j-io/src/main/resources/org/convnet4j/imagenet/imagenet_classes.txt")
TV_MEAN, TV_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
# what the catalogue's named preprocessings mean (README, docs/WEIGHTS.md "ImageNet preprocessing")
NAMED = {"torchvision": dict(mean=TV_MEAN, std=TV_STD, resize=256, crop=224)}
# the one legacy file: torchvision's model_urls before the Weights API (pytorch/vision, torchvision/models/resnet.py
# at commit 054e54c573ba46e5b9c63f1eea3ad4d103afbea2, read with the search tool's read_file)
LEGACY = {"https://download.pytorch.org/models/resnet18-5c106cde.pth":
          "pytorch/vision@054e54c573ba torchvision/models/resnet.py model_urls['resnet18']"}

failures = []


def check(ok, what):
    print(("ok        " if ok else "MISMATCH  ") + what)
    if not ok:
        failures.append(what)


# ---- torchvision -------------------------------------------------------------------------------------------------

def torchvision_sources(where):
    """{relative path: text} of torchvision/models/*.py and the version, from a directory or a wheel."""
    out = {}
    if where.endswith(".whl"):
        with zipfile.ZipFile(where) as z:
            for n in z.namelist():
                if re.fullmatch(r"torchvision/(models/[^/]+\.py|version\.py)", n):
                    out[n] = z.read(n).decode("utf-8")
    else:
        base = os.path.join(where, "torchvision")
        for sub in ("models", ""):
            d = os.path.join(base, sub)
            for n in sorted(os.listdir(d)):
                if n.endswith(".py") and (sub == "models" or n == "version.py"):
                    with open(os.path.join(d, n), encoding="utf-8") as f:
                        out["torchvision/" + (sub + "/" if sub else "") + n] = f.read()
    m = re.search(r"__version__ = '([^']+)'", out.get("torchvision/version.py", ""))
    return (m.group(1) if m else "unknown"), out


def literal(node, names):
    """A constant, tuple/list of constants or a module-level name holding one; None otherwise."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def weights_in(path, text):
    """Every Weights(url=...) of a module: {url: facts}."""
    tree = ast.parse(text, path)
    names = {}  # module-level constants and the names of module-level dicts (for **_COMMON_META)
    dicts = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            n = node.targets[0].id
            if isinstance(node.value, ast.Dict):
                dicts[n] = node.value
            else:
                v = literal(node.value, names)
                if v is not None:
                    names[n] = v
    found = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Weights"):
            continue
        kw = {k.arg: k.value for k in node.keywords}
        if "url" not in kw:
            continue
        url = literal(kw["url"], names)
        facts = {"source": path}
        t = kw.get("transforms")
        if isinstance(t, ast.Call) and getattr(t.func, "id", None) == "partial":
            facts["transform"] = t.args[0].id if t.args and isinstance(t.args[0], ast.Name) else "?"
            for k in t.keywords:
                v = literal(k.value, names)
                facts[k.arg] = v if v is not None else ast.unparse(k.value)
        meta = {}

        def merge(d):
            for k, v in zip(d.keys, d.values):
                if k is None:  # **_COMMON_META
                    if isinstance(v, ast.Name) and v.id in dicts:
                        merge(dicts[v.id])
                    continue
                key = literal(k, names)
                if isinstance(v, ast.Name):
                    meta[key] = "name:" + v.id
                else:
                    lv = literal(v, names)
                    meta[key] = lv if lv is not None else ast.unparse(v)
        if isinstance(kw.get("meta"), ast.Dict):
            merge(kw["meta"])
        facts["meta"] = meta
        found[url] = facts
    return found


def parse_preprocessing(text):
    if text in NAMED:
        return dict(NAMED[text])
    out = {}
    m = re.fullmatch(r"mean=([^,]+),([^,]+),([^,]+),std=([^,]+),([^,]+),([^,]+)((?:,\w+=\d+)*)", text)
    if not m:
        return None
    out["mean"] = tuple(float(x) for x in m.groups()[0:3])
    out["std"] = tuple(float(x) for x in m.groups()[3:6])
    for k, v in re.findall(r",(\w+)=(\d+)", m.group(7)):
        out[k] = int(v)
    return out


def check_torchvision(entries, releases):
    listed = {}
    for label, sources in releases:
        for path, text in sources.items():
            if path.startswith("torchvision/models/"):
                for url, facts in weights_in(path, text).items():
                    listed.setdefault(url, {})[label] = facts
    for e in entries:
        if e.get("source") != "torchvision":
            continue
        name, url = e["name"], e["url"]
        check(url.rsplit("/", 1)[1] == e["file"], f"{name}: file name {e['file']} is the URL's last part")
        m = re.search(r"-([0-9a-f]{8,64})\.pth$", e["file"])
        check(m is not None and m.group(1) == e.get("sha256_prefix"),
              f"{name}: sha256_prefix {e.get('sha256_prefix')} is the hex after the file name's last '-'")
        if url in LEGACY:
            check(url not in listed,
                  f"{name}: {url} is not a Weights entry of the releases read (legacy file, listed in "
                  f"{LEGACY[url]}; parameters/size/preprocessing as resnet18:imagenet)")
            continue
        per = listed.get(url, {})
        check(len(per) == len(releases), f"{name}: URL {url} is a Weights url in "
              + ", ".join(lbl for lbl, _ in releases) + (" (found in " + ", ".join(per) + ")" if per else " (found nowhere)"))
        for label, f in per.items():
            meta = f["meta"]
            check(meta.get("num_params") == e["parameters"],
                  f"{name}: parameters {e['parameters']:,} = num_params {meta.get('num_params')} ({label} {f['source']})")
            check(meta.get("categories") == "name:_IMAGENET_CATEGORIES" and e.get("classes") == "imagenet",
                  f"{name}: classes '{e.get('classes')}' = categories {meta.get('categories')} ({label})")
            want = parse_preprocessing(e["preprocessing"])
            crop, resize = f.get("crop_size"), f.get("resize_size", 256)
            mean, std = tuple(f.get("mean", TV_MEAN)), tuple(f.get("std", TV_STD))
            interp = f.get("interpolation", "InterpolationMode.BILINEAR")
            src = f"{f.get('transform')}(crop_size={crop}, resize_size={resize}, mean={mean}, std={std}, {interp})"
            if name.startswith(("googlenet:", "inception_v3:")):
                # transform_input=True: the model turns ImageNet-normalised input back into (x - 0.5) / 0.5, which
                # the catalogue gives directly (docs/WEIGHTS.md, note 1); resize and crop must still be torchvision's
                ok = (want is not None and want.get("crop") == crop and want.get("resize") == resize
                      and want["mean"] == (0.5, 0.5, 0.5) and want["std"] == (0.5, 0.5, 0.5)
                      and mean == TV_MEAN and std == TV_STD)
                extra = " with transform_input's (x - 0.5) / 0.5 folded in"
            else:
                ok = (want is not None and want.get("crop") == crop and want.get("resize") == resize
                      and want["mean"] == mean and want["std"] == std)
                extra = ""
            check(ok and f.get("transform") == "ImageClassification" and interp == "InterpolationMode.BILINEAR",
                  f"{name}: preprocessing '{e['preprocessing']}' = {src}{extra} ({label})")
            if "_file_size" in meta:
                check(abs(meta["_file_size"] - e.get("size_mib", 0)) < 0.0005,
                      f"{name}: size_mib {e.get('size_mib')} = _file_size {meta['_file_size']} ({label})")


def check_classes(releases):
    ours = open(CLASSES, encoding="utf-8").read().split("\n")
    ours = ours[:-1] if ours and ours[-1] == "" else ours
    for label, sources in releases:
        text = sources.get("torchvision/models/_meta.py")
        if text is None:
            continue
        tree = ast.parse(text)
        cats = None
        for node in tree.body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "_IMAGENET_CATEGORIES":
                cats = ast.literal_eval(node.value)
        check(cats == ours, f"imagenet_classes.txt ({len(ours)} names) = _IMAGENET_CATEGORIES of {label}"
              f" ({len(cats) if cats else 0} names)")


# ---- Keras -------------------------------------------------------------------------------------------------------

def git_show(gitdir, path):
    return subprocess.run(["git", "--git-dir", gitdir, "show", "HEAD:" + path], check=True, capture_output=True,
                          text=True).stdout


def git_head(gitdir):
    return subprocess.run(["git", "--git-dir", gitdir, "log", "-1", "--format=%h %cs"], check=True,
                          capture_output=True, text=True).stdout.strip()


def keras_facts(text):
    """file name -> (url, hash) from get_file(...) calls, and the preprocess_input mode."""
    tree = ast.parse(text)
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            v = literal(node.value, names)
            if v is not None:
                names[node.targets[0].id] = v
    files = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "get_file":
            kw = {k.arg: k.value for k in node.keywords}
            fname = literal(node.args[0], names) if node.args else None
            url = literal(node.args[1], names) if len(node.args) > 1 else None
            h = kw.get("file_hash") or kw.get("md5_hash")
            if isinstance(fname, str) and isinstance(url, str) and h is not None:
                files[fname] = (url, literal(h, names))
    modes = set(re.findall(r"mode=['\"](\w+)['\"]", text))
    return files, names, modes


def keras_resnet_files(text, names):
    """The WEIGHTS_HASHES table of the ResNet family: resnet50 files -> (url, md5)."""
    hashes = names.get("WEIGHTS_HASHES", {})
    base = names.get("BASE_WEIGHTS_PATH", "")
    out = {}
    if "resnet50" in hashes:
        out["resnet50_weights_tf_dim_ordering_tf_kernels.h5"] = (base + "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
                                                                 hashes["resnet50"][0])
        out["resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"] = (
            base + "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", hashes["resnet50"][1])
    return out


def check_keras(entries, keras, applications):
    mode_of = {"caffe": "keras-caffe", "tf": "keras-tf"}
    listings = []  # (label, {file: (url, md5)}, {arch: modes})
    if keras:
        label = f"keras-team/keras {git_head(keras)}"
        files, modes = {}, {}
        for arch, path in [("vgg16", "vgg16"), ("vgg19", "vgg19"), ("resnet50", "resnet"), ("inception_v3", "inception_v3")]:
            f, names, m = keras_facts(git_show(keras, f"keras/src/applications/{path}.py"))
            files.update(f)
            files.update(keras_resnet_files("", names))
            modes[arch] = m
        listings.append((label, files, modes))
    if applications:
        label = f"keras-team/keras-applications {git_head(applications)}"
        files, modes = {}, {}
        utils = git_show(applications, "keras_applications/imagenet_utils.py")
        default = set(re.findall(r"def preprocess_input\(x, data_format=None, mode='(\w+)'", utils))
        for arch, path in [("vgg16", "vgg16"), ("vgg19", "vgg19"), ("resnet50", "resnet50"), ("inception_v3", "inception_v3")]:
            text = git_show(applications, f"keras_applications/{path}.py")
            f, names, m = keras_facts(text)
            files.update(f)
            # vgg16/vgg19/resnet50 there: preprocess_input = imagenet_utils.preprocess_input (its default mode)
            modes[arch] = m or (default if "preprocess_input = imagenet_utils.preprocess_input" in text else m)
        _, names, _ = keras_facts(git_show(applications, "keras_applications/resnet_common.py"))
        common = keras_resnet_files("", names)
        listings.append((label + " (resnet50.py: fchollet/deep-learning-models v0.2)", files, modes))
        listings.append((label + " (resnet_common.py)", common, {}))
    for e in entries:
        if e.get("source") != "keras":
            continue
        name, arch = e["name"], e["architecture"]
        agreeing, differing = [], []
        for label, files, modes in listings:
            if e["file"] in files:
                url, md5 = files[e["file"]]
                if md5 == e["md5"]:
                    agreeing.append(label)
                    check(url.split("/")[-1] == e["file"], f"{name}: {label} downloads it from {url}")
                    if url == e["url"]:
                        check(True, f"{name}: URL {e['url']} = {label}")
                else:
                    differing.append((label, md5, url))
            if arch in modes:
                check(modes[arch] == {e["preprocessing"].replace("keras-", "")},
                      f"{name}: preprocessing '{e['preprocessing']}' = preprocess_input mode {sorted(modes[arch])} ({label})")
        check(bool(agreeing), f"{name}: MD5 {e['md5']} of {e['file']} is published by " + (", ".join(agreeing) or "none"))
        also = e.get("md5_also", [])
        for label, md5, url in differing:
            check(md5 in also, f"{name}: {label} publishes another file under the same name, MD5 {md5} from {url}:"
                  f" catalogued as md5_also {also}")
        check(any(e["url"] == files.get(e["file"], ("",))[0] for _, files, _ in listings),
              f"{name}: URL {e['url']} appears in a Keras source")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--torchvision", action="append", default=[], help="directory holding torchvision/, or a .whl")
    p.add_argument("--keras", help="git directory of keras-team/keras")
    p.add_argument("--keras-applications", help="git directory of keras-team/keras-applications")
    a = p.parse_args()
    entries = json.load(open(CATALOGUE, encoding="utf-8"))["entries"]
    releases = []
    for where in a.torchvision:
        version, sources = torchvision_sources(where)
        releases.append((f"torchvision {version}", sources))
    print(f"catalogue: {len(entries)} entries; sources: " + "; ".join(lbl for lbl, _ in releases)
          + (f"; keras-team/keras {git_head(a.keras)}" if a.keras else "")
          + (f"; keras-team/keras-applications {git_head(a.keras_applications)}" if a.keras_applications else ""))
    if releases:
        check_torchvision(entries, releases)
        check_classes(releases)
    if a.keras or a.keras_applications:
        check_keras(entries, a.keras, a.keras_applications)
    n = sum(1 for e in entries if e.get("source") in ("torchvision", "keras"))
    print(f"\n{len(failures)} mismatches; {n} of {len(entries)} entries checked")
    for f in failures:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
