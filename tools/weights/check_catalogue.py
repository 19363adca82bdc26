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
  classes       our imagenet_classes.txt against torchvision's _IMAGENET_CATEGORIES;
  Keras counts  (--keras-io) the with-top entries' parameters against the "Parameters" column of Keras' applications
                table (keras.io/api/applications; source keras-team/keras-io templates/api/applications/index.md, or
                a copy of its table rows), the notop entries' against that figure minus Keras' top as
                keras/src/applications/*.py builds it (Dense units, last block's channels, pools, default size);
  Keras classes (--keras-class-index) a copy of Keras' imagenet_class_index.json, first checked against the MD5
                that keras/src/applications/imagenet_utils.py gives get_file (so it is Keras' own file, wherever
                the copy came from), then class i of Keras against class i of our imagenet_classes.txt.

Nothing is imported from the sources (they are parsed as text), so any torchvision version works without torch.
Prints one line per check, "ok" or "MISMATCH", then a summary; exits 1 if anything differs.

Usage (the run recorded in docs/WEIGHTS.md):
  /usr/bin/python3 tools/weights/check_catalogue.py \
      --torchvision /usr/lib/python3/dist-packages \
      --torchvision /opt/pypi-more/files/torchvision-0.29.1-cp311-cp311-manylinux_2_28_x86_64.whl \
      --keras KERAS_GIT_DIR --keras-applications KERAS_APPLICATIONS_GIT_DIR \
      --keras-io KERAS_IO_APPLICATIONS_TABLE.md --keras-class-index imagenet_class_index.json
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



# ---- Keras parameter counts and class names -----------------------------------------------------------------------

KERAS_TABLE = {"vgg16": "VGG16", "vgg19": "VGG19", "resnet50": "ResNet50", "inception_v3": "InceptionV3"}


def keras_io_table(path):
    """{model name: parameters} from the "Available models" table of Keras' applications page (keras.io/api/
    applications; source keras-team/keras-io templates/api/applications/index.md): rows "| [Name](link) | size |
    top-1 | top-5 | parameters | depth | time |"."""
    out = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"\|\s*\[([^\]]+)\]\([^)]*\)\s*\|([^|]*)\|([^|]*)\|([^|]*)\|\s*([\d,]+)\s*\|", line)
        if m:
            out[m.group(1)] = int(m.group(5).replace(",", ""))
    return out


def last_int(pattern, text, what):
    found = re.findall(pattern, text, re.S)
    if not found:
        raise SystemExit(f"cannot find {what} in the Keras source (pattern {pattern})")
    return int(found[-1])


def keras_top(arch, keras):
    """(parameters of Keras' include_top layers for 1000 classes, how they were read) from keras-team/keras's source."""
    if arch in ("vgg16", "vgg19"):
        text = git_show(keras, f"keras/src/applications/{arch}.py")
        last = "block5_conv4" if arch == "vgg19" else "block5_conv3"
        c = last_int(r'Conv2D\(\s*(\d+),\s*\(3, 3\),[^)]*name="' + last + '"', text, last)
        pools = len(re.findall(r"MaxPooling2D\(\(2, 2\), strides=\(2, 2\)", text))
        size = last_int(r"default_size=(\d+)", text, "default_size")
        fc1 = last_int(r'Dense\((\d+), activation="relu", name="fc1"\)', text, "fc1")
        fc2 = last_int(r'Dense\((\d+), activation="relu", name="fc2"\)', text, "fc2")
        side = size // 2 ** pools
        flat = side * side * c
        top = flat * fc1 + fc1 + fc1 * fc2 + fc2 + fc2 * 1000 + 1000
        return top, (f"Flatten of {side}x{side}x{c} ({last}, {pools} pools from {size}), Dense({fc1}, fc1),"
                     f" Dense({fc2}, fc2), Dense(1000, predictions)")
    if arch == "resnet50":
        text = git_show(keras, "keras/src/applications/resnet.py")
        body = text[text.index("def ResNet50("):]
        filters = last_int(r'stack_residual_blocks_v1\(x, (\d+), \d+, name="conv5"\)', body[:body.index("return ResNet(")],
                           "conv5 stack")
        mult = last_int(r'Conv2D\((\d+) \* filters, 1, name=f"\{name\}_3_conv"\)', text, "_3_conv")
        f = mult * filters
        how = f"GlobalAveragePooling2D over {mult} x {filters} channels (conv5), Dense(1000, predictions)"
    else:
        text = git_show(keras, "keras/src/applications/inception_v3.py")
        loop = text[text.rindex("for i in range(2):"):text.index("if include_top")]
        b1 = last_int(r"branch1x1 = conv2d_bn\(x, (\d+), 1, 1\)", loop, "branch1x1")
        b3 = [last_int(r"branch3x3_%d = conv2d_bn\(branch3x3, (\d+)" % k, loop, "branch3x3") for k in (1, 2)]
        bd = [last_int(r"branch3x3dbl_%d = conv2d_bn\(branch3x3dbl, (\d+)" % k, loop, "branch3x3dbl") for k in (1, 2)]
        bp = last_int(r"branch_pool = conv2d_bn\(branch_pool, (\d+), 1, 1\)", loop, "branch_pool")
        f = b1 + sum(b3) + sum(bd) + bp
        how = (f"GlobalAveragePooling2D over mixed10's {b1} + {b3[0]} + {b3[1]} + {bd[0]} + {bd[1]} + {bp} channels,"
               f" Dense(1000, predictions)")
    return f * 1000 + 1000, how


def check_keras_counts(entries, keras, table_path):
    table = keras_io_table(table_path)
    label = f"keras.io applications table ({os.path.basename(table_path)})"
    for e in entries:
        if e.get("source") != "keras":
            continue
        name, arch = e["name"], e["architecture"]
        published = table.get(KERAS_TABLE[arch])
        if published is None:
            check(False, f"{name}: {KERAS_TABLE[arch]} is not in {label}")
            continue
        if e.get("include_top", True):
            check(e["parameters"] == published,
                  f"{name}: parameters {e['parameters']:,} = {KERAS_TABLE[arch]} {published:,} ({label})")
        elif keras:
            top, how = keras_top(arch, keras)
            check(e["parameters"] == published - top,
                  f"{name}: parameters {e['parameters']:,} = {published:,} ({label}) - {top:,} in Keras' top"
                  f" ({how}; keras-team/keras {git_head(keras)})")
    if keras:
        text = git_show(keras, "keras/src/applications/inception_v3.py")
        check("BatchNormalization(axis=bn_axis, scale=False" in text,
              "inception_v3: Keras' batch norms have no scale (scale=False): Keras' count has no gammas,"
              " ours subtracts them (KerasCountsTest)")


def check_keras_classes(keras, index_path):
    """Keras' class index (imagenet_class_index.json, downloaded by decode_predictions) against our names."""
    utils = git_show(keras, "keras/src/applications/imagenet_utils.py")
    m = re.search(r'"imagenet_class_index\.json",\s*CLASS_INDEX_PATH,[^)]*file_hash="([0-9a-f]{32})"', utils, re.S)
    import hashlib
    md5 = hashlib.md5(open(index_path, "rb").read()).hexdigest()
    check(m is not None and md5 == m.group(1), f"{os.path.basename(index_path)}: MD5 {md5} = decode_predictions'"
          f" file_hash {m.group(1) if m else '?'} (keras-team/keras {git_head(keras)} imagenet_utils.py): Keras' own file")
    index = json.load(open(index_path, encoding="utf-8"))
    check(sorted(index, key=int) == [str(i) for i in range(1000)], "Keras' class index has the keys 0..999")
    wnids = [index[str(i)][0] for i in range(1000)]
    check(wnids == sorted(wnids) and len(set(wnids)) == 1000,
          "Keras' 1000 WordNet ids are distinct and in ascending order (n01440764 ... n15075141)")
    keras_names = [index[str(i)][1].replace("_", " ") for i in range(1000)]
    ours = open(CLASSES, encoding="utf-8").read().split("\n")
    ours = ours[:-1] if ours and ours[-1] == "" else ours
    same = [i for i in range(1000) if ours[i].lower() == keras_names[i].lower()]
    # torchvision names the two pairs Keras leaves ambiguous ("crane" the bird and the machine, "maillot" twice)
    widened = [i for i in range(1000) if i not in same and ours[i].lower().startswith(keras_names[i].lower() + " ")
               and keras_names.count(keras_names[i]) == 2]
    check(len(same) + len(widened) == 1000,
          f"class i of Keras is class i of ours (torchvision's _IMAGENET_CATEGORIES) for all 1000: {len(same)} names"
          f" equal (underscores as spaces, any case), {len(widened)} where Keras' name is a duplicate that torchvision"
          " extends: " + ", ".join(f"{i} {wnids[i]} '{keras_names[i]}' -> '{ours[i]}'" for i in widened))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--torchvision", action="append", default=[], help="directory holding torchvision/, or a .whl")
    p.add_argument("--keras", help="git directory of keras-team/keras")
    p.add_argument("--keras-applications", help="git directory of keras-team/keras-applications")
    p.add_argument("--keras-io", help="Keras' applications page source (keras-team/keras-io"
                   " templates/api/applications/index.md) or a copy of its table: the published parameter counts")
    p.add_argument("--keras-class-index", help="a copy of Keras' imagenet_class_index.json (checked against the MD5"
                   " in Keras' source, so any copy will do)")
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
    if a.keras_io:
        check_keras_counts(entries, a.keras, a.keras_io)
    if a.keras_class_index:
        if not a.keras:
            raise SystemExit("--keras-class-index needs --keras (the MD5 it is checked against)")
        check_keras_classes(a.keras, a.keras_class_index)
    n = sum(1 for e in entries if e.get("source") in ("torchvision", "keras"))
    print(f"\n{len(failures)} mismatches; {n} of {len(entries)} entries checked")
    for f in failures:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
