#!/usr/bin/env python3
"""Side-by-side PyTorch timings for the configs (optional; needs Debian's python3-torch).

    apt-get install python3-torch          # ~1 GB; not a dependency of the project
    python3 scripts/measure/bench-pytorch.py [--threads 2] [--reps 10] [--ours ours.json] [--json out.json]
                                     [--device cpu|cuda] [--match-ours] [--configs train-2d,train-2d-w128]

Configs (the same as `deep-thinking bench` and `deep-thinking bench solve`):
  train-2d   DT-recall 2-D, width 32, T 20, batch 16, 24x24 (9x9 mazes): forward through T iterations,
             cross-entropy on the last iteration's output, backward, Adam step.
  train-1d   DT-recall 1-D, width 64, T 20, batch 64, length 32 (prefix sums): the same.
  train-2d-w128  DT-recall 2-D, width 128 (the paper's maze net), T 30, batch 50, 24x24 (9x9 mazes): the same.
  solve-59   DT-recall 2-D, width 32, one 59x59 maze (124x124 px), 100 iterations under no_grad:
             ms per iteration of recurrent block + head (the dense computation, as the paper's code thinks).

The model follows aks2203/deep-thinking (dt_net_2d_recall / dt_net_1d_recall): bias-free 3-wide convs,
projection+ReLU, recurrent block = recall conv [+ReLU in 1-D] + 2 basic residual blocks, 3-conv head.
--ours takes a JSON object {"train-2d": ms, "train-1d": ms, "solve-59": ms} (our engine's numbers from the same
machine and the same minute) and prints our speed relative to PyTorch's: PyTorch's ms / ours (above 1× = faster).

PyTorch runs as people run it: its own defaults, nothing imposed. No OMP_WAIT_POLICY is set (spinning OpenMP
threads are PyTorch's default behaviour); the thread count is the machine's cores, as a user with PyTorch's default
wheels gets. On --device cuda the timings synchronise the device, and PyTorch keeps its defaults: TF32 convolutions
on (torch.backends.cudnn.allow_tf32), TF32 matmuls off, cudnn.benchmark off. --match-ours instead does the
arithmetic our engine trains with: TF32 off everywhere, cudnn.benchmark on, as the addon sets them (native/src/device.cc).
"""
import argparse
import json
import os
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("bench-pytorch: PyTorch is not installed (Debian: apt-get install python3-torch); nothing to compare", file=sys.stderr)
    sys.exit(0)


class BasicBlock(nn.Module):
    def __init__(self, conv, width):
        super().__init__()
        self.conv1 = conv(width, width, 3, padding=1, bias=False)
        self.conv2 = conv(width, width, 3, padding=1, bias=False)

    def forward(self, x):
        return F.relu(self.conv2(F.relu(self.conv1(x))) + x)


class DTRecall(nn.Module):
    def __init__(self, dims, width, in_channels):
        super().__init__()
        conv = nn.Conv2d if dims == 2 else nn.Conv1d
        self.projection = nn.Sequential(conv(in_channels, width, 3, padding=1, bias=False), nn.ReLU())
        recall = [conv(width + in_channels, width, 3, padding=1, bias=False)]
        if dims == 1:
            recall.append(nn.ReLU())  # the paper's 1-D net has a ReLU after the recall conv; its 2-D nets do not
        self.recur_block = nn.Sequential(*recall, nn.Sequential(BasicBlock(conv, width), BasicBlock(conv, width)))
        head = [width, 32, 8, 2] if dims == 2 else [width, width, width // 2, 2]
        self.head = nn.Sequential(
            conv(head[0], head[1], 3, padding=1, bias=False), nn.ReLU(),
            conv(head[1], head[2], 3, padding=1, bias=False), nn.ReLU(),
            conv(head[2], head[3], 3, padding=1, bias=False))

    def forward(self, x, iters):
        thought = self.projection(x)
        for _ in range(iters):
            thought = self.recur_block(torch.cat([thought, x], 1))
        return self.head(thought)


DEVICE = torch.device("cpu")


def sync():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize(DEVICE)


def time_it(fn, reps):
    fn()  # warm-up
    fn()  # cudnn.benchmark picks its algorithms on the first calls
    sync()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2], times[0]


def bench_train(dims, width, batch, spatial, in_channels, iters, reps):
    torch.manual_seed(0)
    net = DTRecall(dims, width, in_channels).to(DEVICE)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(batch, in_channels, *spatial, device=DEVICE)
    y = torch.randint(0, 2, (batch, *spatial), device=DEVICE)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x, iters), y)
        loss.backward()
        opt.step()

    return time_it(step, reps)


def bench_solve(size, width, iters, reps):
    torch.manual_seed(0)
    net = DTRecall(2, width, 3).to(DEVICE).eval()
    px = 2 * size + 6
    x = torch.rand(1, 3, px, px, device=DEVICE)

    def think():
        with torch.no_grad():
            thought = net.projection(x)
            for _ in range(iters):
                thought = net.recur_block(torch.cat([thought, x], 1))
                net.head(thought)  # every iteration's prediction, as the editor's stream needs

    med, best = time_it(think, max(1, reps // 3))
    return med / iters, best / iters


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--ours", help="JSON file {config: ms} with our engine's numbers, to print ratios")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    ap.add_argument("--match-ours", action="store_true",
                    help="cuda: float32 without TF32 and cudnn.benchmark on, as our engine trains (default: PyTorch's defaults)")
    ap.add_argument("--configs", help="comma-separated subset of the configs (default: train-2d,train-1d,solve-59)")
    a = ap.parse_args()
    global DEVICE
    DEVICE = torch.device(a.device)
    if DEVICE.type == "cuda" and a.match_ours:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.benchmark = True
    # Debian's python3-torch starts with 1 thread where PyPI's wheels take every core: one thread per core, as the
    # wheels people install do.
    torch.set_num_threads(a.threads)
    if DEVICE.type == "cuda":
        mode = "matching ours: TF32 off, cudnn.benchmark on" if a.match_ours else "PyTorch defaults"
        where = (f"{torch.cuda.get_device_name(DEVICE)}, {mode} (cudnn TF32 {torch.backends.cudnn.allow_tf32}, "
                 f"matmul TF32 {torch.backends.cuda.matmul.allow_tf32}, cudnn.benchmark {torch.backends.cudnn.benchmark})")
    else:
        mode = "PyTorch defaults"
        where = f"{torch.get_num_threads()} threads"
    print(f"PyTorch {torch.__version__}, {where}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    results = {}
    configs = [
        ("train-2d", "ms/step", lambda: bench_train(2, 32, 16, (24, 24), 3, 20, a.reps)),
        ("train-1d", "ms/step", lambda: bench_train(1, 64, 64, (32,), 1, 20, a.reps)),
        ("solve-59", "ms/iteration", lambda: bench_solve(59, 32, 100, a.reps)),
        ("train-2d-w128", "ms/step", lambda: bench_train(2, 128, 50, (24, 24), 3, 30, a.reps)),
    ]
    wanted = a.configs.split(",") if a.configs else ["train-2d", "train-1d", "solve-59"]
    configs = [c for c in configs if c[0] in wanted]
    ours = json.load(open(a.ours)) if a.ours else {}
    for name, unit, fn in configs:
        med, best = fn()
        results[name] = med
        line = f"{name:9s} {med:9.2f} {unit} (median; best {best:.2f})"
        if name in ours:
            line += f"   ours {ours[name]:.2f} → ours at {med / ours[name]:.2f}× PyTorch's speed"
        print(line)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "device": str(DEVICE), "mode": mode,
                       "ms": results}, f, indent=1)


if __name__ == "__main__":
    main()
