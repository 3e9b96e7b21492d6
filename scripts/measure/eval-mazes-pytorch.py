#!/usr/bin/env python3
"""Big-maze accuracy of a bundled DT-recall maze model, on a GPU when there is one (201x201 report).

Our engine (tfjs / libtorch / onnxruntime) is the product; this script is a cross-check that lets a GPU evaluate
many 201x201 mazes for thousands of iterations, which these 2 CPU cores cannot do in a session. It re-implements
the net from the paper's layout (projection conv+ReLU; recall conv over concat(thought, x), no ReLU in 2-D; two
basic residual blocks; head conv-ReLU-conv-ReLU-conv; all 3x3, bias-free), loads OUR weights (model.json +
weights.bin, tfjs encoding, kernels [kh,kw,cin,cout]), and refuses to report anything unless its class maps equal
the engine's on the reference mazes in the set file (scripts/measure/export-maze-set.ts --reference-model).

  python3 scripts/measure/eval-mazes-pytorch.py --model media/models/mazes --set .tmp/mazes-201.dtset \
      --iterations 500,1000,2000,3000 --batch 25 [--json out.json]

Accuracy = exact match of the whole path (mazeProblem.isCorrect), at each iteration count, and at 'auto': the
first multiple of --patience where the predicted classes differ from those --patience iterations earlier in at
most 0.01 % of the pixels (the engine's SettledRule), capped at the largest iteration count.
Numerics: float32 with TF32 disabled, as on the CPU.
"""
import argparse, gzip, io, json, sys, time
import numpy as np
import torch
import torch.nn.functional as F


def load_weights(model_dir, device):
    meta = json.load(open(f"{model_dir}/model.json"))
    raw = np.fromfile(f"{model_dir}/weights.bin", dtype="<f4")
    w, off = {}, 0
    for spec in meta["weightsManifest"]:
        n = int(np.prod(spec["shape"]))
        k = raw[off:off + n].reshape(spec["shape"])  # [kh, kw, cin, cout]
        off += n
        w[spec["name"]] = torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1))).to(device)  # OIHW
    if off != raw.size:
        sys.exit(f"{model_dir}/weights.bin: {raw.size} floats, manifest describes {off}")
    arch = meta["architecture"]
    if arch["kind"] != "dt-recall" or arch["dims"] != 2:
        sys.exit(f"{model_dir}: expected a 2-D dt-recall model, got {arch['kind']} dims {arch['dims']}")
    return w, arch, meta


def conv(x, k):
    return F.conv2d(x, k, padding=1)


def project(w, x):
    return F.relu(conv(x, w["projection.0.weight"]))


def step(w, blocks, h, x):
    h = conv(torch.cat([h, x], 1), w["recur_block.0.weight"])
    for b in range(blocks):
        p = f"recur_block.1.{b}"
        h = F.relu(conv(F.relu(conv(h, w[p + ".conv1.weight"])), w[p + ".conv2.weight"]) + h)
    return h


def class1(w, h):
    h = F.relu(conv(h, w["head.0.weight"]))
    h = F.relu(conv(h, w["head.2.weight"]))
    logits = conv(h, w["head.4.weight"])
    return logits[:, 1] - logits[:, 0]  # [N,H,W]


def read_set(path):
    data = gzip.open(path).read()
    nl = data.index(b"\n")
    header = json.loads(data[:nl])
    H, W, n = header["height"], header["width"], header["count"]
    buf = io.BytesIO(data[nl + 1:])
    def bits(count):
        nbytes = (count + 7) // 8
        return np.unpackbits(np.frombuffer(buf.read(nbytes), dtype=np.uint8))[:count]
    xs, ts, ms = [], [], []
    for _ in range(n):
        xs.append(bits(H * W * 3).reshape(H, W, 3).transpose(2, 0, 1))
        ts.append(bits(H * W).reshape(H, W))
        ms.append(bits(H * W).reshape(H, W))
    return header, np.stack(xs).astype(np.float32), np.stack(ts).astype(bool), np.stack(ms).astype(bool)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--iterations", required=True)
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--patience", type=int, default=100)
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    its = sorted(int(v) for v in a.iterations.split(","))
    w, arch, meta = load_weights(a.model, dev)
    header, X, T, M = read_set(a.set)
    n, H, W = X.shape[0], header["height"], header["width"]
    flicker = int(1e-4 * H * W)
    device_name = torch.cuda.get_device_name(0) if dev == "cuda" else "cpu"
    print(f"{a.model} on {device_name}: {n} mazes {header['size']}x{header['size']} ({H}x{W} px), seed {header['seed']}", flush=True)

    def correct(c1, idx):
        pred = (c1 > 0).cpu().numpy() & M[idx]
        return (pred == T[idx]).reshape(len(idx), -1).all(1)

    # Prove the port first: class maps equal the engine's on the reference mazes.
    ref = header.get("reference")
    if not ref:
        sys.exit("the set file has no engine reference (export it with --reference-model): refusing to report")
    with torch.no_grad():
        k = len(ref["class1"])
        x = torch.from_numpy(X[:k]).to(dev)
        h = project(w, x)
        for _ in range(ref["iterations"]):
            h = step(w, arch["blocks"], h, x)
        mine = (class1(w, h) > 0).cpu().numpy().reshape(k, -1)
        for i, b64 in enumerate(ref["class1"]):
            import base64
            engine = np.unpackbits(np.frombuffer(base64.b64decode(b64), dtype=np.uint8))[: H * W].astype(bool)
            diff = int((engine != mine[i]).sum())
            print(f"reference maze {i}: {diff} pixels differ from the engine at iteration {ref['iterations']}", flush=True)
            if diff > 0:
                sys.exit("the port disagrees with the engine: refusing to report")

    right = {t: 0 for t in its}
    auto_right, auto_iters = 0, []
    t0 = time.time()
    with torch.no_grad():
        for s in range(0, n, a.batch):
            idx = np.arange(s, min(n, s + a.batch))
            x = torch.from_numpy(X[idx]).to(dev)
            h = project(w, x)
            prev = None
            halted = np.zeros(len(idx), dtype=bool)
            for i in range(1, its[-1] + 1):
                h = step(w, arch["blocks"], h, x)
                snap = i % a.patience == 0
                if i in right or snap:
                    c1 = class1(w, h)
                    if i in right:
                        right[i] += int(correct(c1, idx).sum())
                    if snap:
                        cls = (c1 > 0).reshape(len(idx), -1)
                        if prev is not None:
                            settled = ((cls != prev).sum(1) <= flicker).cpu().numpy() & ~halted
                            if settled.any():
                                ok = correct(c1, idx)
                                auto_right += int(ok[settled].sum())
                                auto_iters += [i] * int(settled.sum())
                                halted |= settled
                        prev = cls
            if (~halted).any():  # capped: judged at the last iteration
                ok = correct(class1(w, h), idx)
                auto_right += int(ok[~halted].sum())
                auto_iters += [its[-1]] * int((~halted).sum())
            done = idx[-1] + 1
            print(f"  {done}/{n} mazes, {time.time() - t0:.0f} s: " + ", ".join(f"{t}: {100 * right[t] / done:.1f}%" for t in its), flush=True)
    res = {
        "model": a.model, "device": device_name, "size": header["size"], "count": n, "seed": header["seed"], "testSet": header["testSet"],
        "accuracy": {str(t): right[t] / n for t in its},
        "auto": {"accuracy": auto_right / n, "medianHalt": float(np.median(auto_iters)), "cap": its[-1], "capped": int(sum(1 for v in auto_iters if v == its[-1])), "patience": a.patience, "flickerPixels": flicker},
        "seconds": round(time.time() - t0, 1),
        "numerics": "float32, TF32 off",
    }
    print(json.dumps(res, indent=1))
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
