"""Per-layer CPU time of a torchvision model's inference in PyTorch, one intra-op thread, measured with forward
hooks and the calling thread's CPU clock (steady on a loaded machine, unlike wall time or torch.profiler's
durations). Rows are summed by module type, kernel, stride and shapes, in the form of convnet4j's
`LayerProfile` rows (`-Dconvnet4j.profile.cpu=true -Dconvnet4j.threads=1 -Dconvnet4j.profile.fused=false`), so the
two tables can be put side by side. Work of a block outside its child modules (ResNet's residual add) is a row of
its own ("Add ..." for torchvision's Bottleneck/BasicBlock).
Run: LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_layer_cpu.py resnet50 1 20
On a quiet machine, `... resnet50 1 20 wall 2` gives wall-clock rows with 2 threads instead (compare with LayerProfile
at -Dconvnet4j.threads=2 without -Dconvnet4j.profile.cpu): where the second thread helps and where it does not.
Column 'best ms': the sum of each call's fastest time over the passes (a row's n-th call in a pass is one call
site); with wall time on a loaded machine it estimates the quiet figure far better than the mean (LayerProfile:
-Dconvnet4j.profile.min=true).
`... resnet50 8 6 proc 2`: two threads, the process's CPU clock (all threads; OMP_WAIT_POLICY=PASSIVE so that waiting
threads sleep): the work of each row at two threads, steadier than wall on a loaded machine, blind to idle threads
(compare with LayerProfile -Dconvnet4j.threads=2 -Dconvnet4j.profile.cpu=process)."""
import os, sys, time, collections
WALL = len(sys.argv) > 4 and sys.argv[4] == "wall"
PROC = len(sys.argv) > 4 and sys.argv[4] == "proc"
THREADS = int(sys.argv[5]) if (WALL or PROC) and len(sys.argv) > 5 else 1
os.environ["OMP_NUM_THREADS"] = str(THREADS)
if PROC:  # OpenMP threads sleep instead of spinning between regions: the process CPU clock then counts work
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch, torchvision
clock = time.perf_counter_ns if WALL else time.process_time_ns if PROC else time.thread_time_ns

def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "resnet50"
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    x = torch.randn(batch, 3, 224, 224)
    rows = collections.defaultdict(lambda: [0, 0])  # key -> [ns, calls]
    fastest = {}  # (key, n-th call of the key in a pass) -> its fastest time over the passes
    occurrence = collections.Counter()
    recording = [False]
    stack = []

    def key(m, inp, out):
        shp = lambda t: "[" + ", ".join(str(d) for d in t.shape[1:]) + "]"
        t = type(m).__name__
        if isinstance(m, torch.nn.Conv2d):
            t += f" k{list(m.kernel_size)} s{list(m.stride)}"
        elif isinstance(m, (torch.nn.MaxPool2d,)):
            k = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size, m.kernel_size)
            s = m.stride if isinstance(m.stride, tuple) else (m.stride, m.stride)
            t += f" {list(k)} s{list(s)}"
        return f"{t} {shp(inp[0])} -> {shp(out)}"

    def pre(m, inp):
        stack.append([clock(), 0])  # start, time of children

    def post(m, inp, out):
        start, children = stack.pop()
        dt = clock() - start
        if stack:
            stack[-1][1] += dt
        leaf = len(list(m.children())) == 0
        if recording[0]:
            k, t = None, None
            if leaf:
                k, t = key(m, inp, out), dt
            elif type(m).__name__ in ("Bottleneck", "BasicBlock"):
                shp = "[" + ", ".join(str(d) for d in out.shape[1:]) + "]"
                k, t = f"Add {shp} -> {shp}", dt - children
            if k is not None:
                r = rows[k]
                r[0] += t
                r[1] += 1
                occurrence[k] += 1
                n = (k, occurrence[k])
                fastest[n] = min(fastest.get(n, t), t)

    for m in model.modules():
        m.register_forward_pre_hook(pre)
        m.register_forward_hook(post)
    with torch.no_grad():
        for _ in range(5):
            model(x)
        recording[0] = True
        c0 = clock()
        for _ in range(reps):
            occurrence.clear()
            model(x)
        total = (clock() - c0) / 1e6 / reps
    s = sum(r[0] for r in rows.values()) / 1e6 / reps
    print(f"# {name} batch {batch}: {total:.2f} ms {'wall' if WALL else 'process CPU' if PROC else 'CPU'} per pass, {THREADS} thread(s), torch {torch.__version__}; "
          f"timed modules sum to {s:.2f} ms; load {open('/proc/loadavg').read().split()[0]}")
    best = lambda k: sum(v for (kk, _), v in fastest.items() if kk == k) / 1e6
    print(f"# fastest calls: {sum(best(k) for k in rows):.2f} ms per pass summed over the rows; column 'best ms'")
    print("      ms  share  calls  best ms  layer")
    for k, (ns, n) in sorted(rows.items(), key=lambda kv: -kv[1][0]):
        print(f"{ns / 1e6 / reps:8.2f} {100 * ns / 1e6 / reps / s:5.1f}% {n // reps:6d} {best(k):8.3f}  {k}")

if __name__ == "__main__":
    main()
