"""Where PyTorch's CPU inference time goes, operator by operator: the reference side of LayerProfile.
torchvision model (random init, as shared/bench/w4w5w6_models.py), eval + no_grad, fp32, batch 1 by default,
torch.profiler over REPS calls after WARM warm-up calls; prints self CPU time per operator kind, its share and
the calls, and then the same per (operator, input shape) for the top rows.
Run (Debian's python; OpenBLAS as run_reference.sh sets it):
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_layer_profile.py \
      googlenet [threads] [batch] [reps]
Models: googlenet, vgg16, resnet50, mobilenet_v2, efficientnet_b0 (any torchvision.models name)."""
import os, sys
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
os.environ.setdefault("OMP_NUM_THREADS", str(threads))
import torch, torchvision
from torch.profiler import profile, ProfilerActivity

def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "googlenet"
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    kwargs = {"weights": None}
    if name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, name)(**kwargs).eval()
    x = torch.randn(batch, 3, 224, 224)
    with torch.no_grad():
        for _ in range(5):
            model(x)
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            for _ in range(reps):
                model(x)
    events = prof.key_averages()
    top = [e for e in events if e.key.startswith("aten::") or e.key.startswith("mkldnn")]
    total = sum(e.self_cpu_time_total for e in top)
    print(f"# {name} batch {batch}, {threads} threads, {reps} calls; torch {torch.__version__}; "
          f"self CPU per call {total / reps / 1000:.2f} ms (sum over aten ops)")
    print(f"{'operator':40s} {'ms/call':>9s} {'share':>7s} {'calls/call':>10s}")
    for e in sorted(top, key=lambda e: -e.self_cpu_time_total):
        if e.self_cpu_time_total / total < 0.002:
            continue
        print(f"{e.key:40s} {e.self_cpu_time_total / reps / 1000:9.3f} {100 * e.self_cpu_time_total / total:6.1f}% "
              f"{e.count / reps:10.1f}")
    print("\n# by input shape (top 25)")
    shaped = [e for e in prof.key_averages(group_by_input_shape=True) if e.key.startswith("aten::")]
    for e in sorted(shaped, key=lambda e: -e.self_cpu_time_total)[:25]:
        print(f"{e.key:28s} {e.self_cpu_time_total / reps / 1000:8.3f} ms {100 * e.self_cpu_time_total / total:5.1f}% "
              f"{str(e.input_shapes)[:90]}")

if __name__ == "__main__":
    main()
