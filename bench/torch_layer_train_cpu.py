"""Per-layer CPU time of a torchvision model's training step in PyTorch (forward in training mode, cross-entropy,
backward, SGD momentum 0.9), one intra-op thread, timed with the calling thread's CPU clock (steady on a loaded
machine, unlike wall time or torch.profiler's durations). Forward rows: forward pre/post hooks. Backward rows: on the
CPU the autograd engine runs the graph's nodes one after another on the calling thread, so every node gets a hook
that reads the clock when it ends, and a node's time is the time since the node before it ended; the node a leaf
module's output came from (its grad_fn) is that module's backward, every other node is a row of its own ("other").
Rows are summed by module type, kernel, stride and shapes in the form of convnet4j's
`LayerProfile ... train` rows (`-Dconvnet4j.profile.cpu=true -Dconvnet4j.threads=1`), whose convolution backward is
split into "backward weights" and "backward data" (here one "backward" row).
Run: LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_layer_train_cpu.py resnet50 8 3"""
import os, sys, time, collections
THREADS = int(sys.argv[4]) if len(sys.argv) > 4 else 1
os.environ["OMP_NUM_THREADS"] = str(THREADS)
import torch, torchvision
# one thread: the calling thread's CPU clock; more: wall time (the helpers' CPU is not on the calling thread)
clock = time.thread_time_ns if THREADS == 1 else time.perf_counter_ns


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "resnet50"
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).train()
    for m in model.modules():
        if isinstance(m, torch.nn.ReLU):
            m.inplace = False
    x = torch.randn(batch, 3, 224, 224)
    labels = torch.arange(batch) % 1000
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    rows = collections.defaultdict(lambda: [0, 0])  # key -> [ns, calls]
    recording = [False]
    stack = []
    node_keys = {}  # grad_fn of a leaf module's output -> its row
    ends = []  # (clock, node) as the backward nodes end

    def key(m, inp, out):
        shp = lambda t: "[" + ", ".join(str(d) for d in t.shape[1:]) + "]"
        t = type(m).__name__
        if isinstance(m, torch.nn.Conv2d):
            t += f" k{list(m.kernel_size)} s{list(m.stride)}"
        elif isinstance(m, torch.nn.MaxPool2d):
            k = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size, m.kernel_size)
            s = m.stride if isinstance(m.stride, tuple) else (m.stride, m.stride)
            t += f" {list(k)} s{list(s)}"
        return f"{t} {shp(inp[0])} -> {shp(out)}"

    def add(k, dt):
        if recording[0]:
            r = rows[k]
            r[0] += dt
            r[1] += 1

    def pre(m, inp):
        stack.append([clock(), 0])

    def post(m, inp, out):
        start, children = stack.pop()
        dt = clock() - start
        if stack:
            stack[-1][1] += dt
        if len(list(m.children())) == 0:
            k = key(m, inp, out)  # per call: one ReLU module serves three shapes in a Bottleneck
            add(k + " forward", dt)
            if out.grad_fn is not None:
                node_keys[out.grad_fn] = k + " backward"
        elif type(m).__name__ in ("Bottleneck", "BasicBlock"):
            shp = "[" + ", ".join(str(d) for d in out.shape[1:]) + "]"
            add(f"Add {shp} -> {shp} forward", dt - children)

    for m in model.modules():
        m.register_forward_pre_hook(pre)
        m.register_forward_hook(post)

    def hook_graph(root):
        seen, todo = set(), [root]
        while todo:
            n = todo.pop()
            if n is None or n in seen:
                continue
            seen.add(n)
            n.register_hook(lambda gi, go, n=n: ends.append((clock(), n)))
            todo.extend(f for f, _ in n.next_functions)

    def step():
        node_keys.clear()
        ends.clear()
        opt.zero_grad()
        out = model(x)
        t0 = clock()
        loss = loss_fn(out, labels)
        add("loss forward", clock() - t0)
        hook_graph(loss.grad_fn)
        b0 = clock()
        loss.backward()
        prev = b0
        for t, n in ends:
            add(node_keys.get(n, "other " + type(n).__name__ + " backward"), t - prev)
            prev = t
        u0 = clock()
        opt.step()
        add("optimizer step", clock() - u0)

    step()  # warm-up
    recording[0] = True
    c0 = clock()
    for _ in range(steps):
        step()
    total = (clock() - c0) / 1e6 / steps
    s = sum(r[0] for r in rows.values()) / 1e6 / steps
    print(f"# {name} training step batch {batch}: {total:.2f} ms {'CPU' if THREADS == 1 else 'wall'} per step, {THREADS} thread(s), torch {torch.__version__}; "
          f"timed rows sum to {s:.2f} ms; load {open('/proc/loadavg').read().split()[0]}")
    phases = collections.defaultdict(float)
    for k, (ns, n) in rows.items():
        phases[k.split(" ")[0] + " " + k.split(" ")[-1]] += ns / 1e6 / steps
    for k, ms in sorted(phases.items()):
        print(f"{ms:9.2f} {100 * ms / s:5.1f}%  [{k}]")
    print("       ms  share  calls  layer")
    for k, (ns, n) in sorted(rows.items(), key=lambda kv: -kv[1][0]):
        print(f"{ns / 1e6 / steps:9.2f} {100 * ns / 1e6 / steps / s:5.1f}% {n // steps:6d}  {k}")


if __name__ == "__main__":
    main()
