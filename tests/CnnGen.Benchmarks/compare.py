#!/usr/bin/python3
"""Side-by-side speed of CnnGen and the peers a .NET user would pick instead, in one run.

Peers: ONNX Runtime 1.31 (the Microsoft.ML.OnnxRuntime package, through the benchmark executable's `ort` command)
for inference, on models exported here from PyTorch with torch.onnx.export; LibTorch 2.10 through TorchSharp 0.107
(the TorchSharpPeer console project beside this file, run under ../shared/tools/with-debian13-libc because its
native library needs a newer libstdc++ than Debian 12 has) for training and inference. Every implementation runs
in its own process, one measurement at a time, in alternating order round by round, so a change in machine load
hits all of them; the table shows the medians and the ratios CnnGen / peer.

    /usr/bin/python3 tests/CnnGen.Benchmarks/compare.py --threads 2 --seconds 3 --rounds 3

The networks: SimpleCnn and ResNet14 (samples/Common/SeedNetworks.cs; ResNet14 is the ResNet sample's network) and
VggNet (VggNet.cs here). The batch-1 latency case always runs on one thread. Builds both .NET projects first (skip with --no-build).
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROJECT = os.path.join(HERE, "CnnGen.Benchmarks.csproj")
EXE = os.path.join(HERE, "bin", "Release", "net10.0", "CnnGen.Benchmarks")
TS_PROJECT = os.path.join(HERE, "TorchSharpPeer", "TorchSharpPeer.csproj")
TS_EXE = os.path.join(HERE, "TorchSharpPeer", "bin", "Release", "net10.0", "TorchSharpPeer")
WITH_LIBC = os.path.normpath(os.path.join(ROOT, "..", "shared", "tools", "with-debian13-libc"))
ONNX_DIR = os.path.join(HERE, "bin", "onnx")

# case: batch, input (channels, size), implementations, fixed thread count (None: --threads)
CASES = {
    "simple_infer": (1000, (1, 28), ["cnngen", "ort", "torchsharp"], None),
    "simple_latency": (1, (1, 28), ["cnngen", "ort", "torchsharp"], 1),
    "simple_train": (64, (1, 28), ["cnngen", "torchsharp"], None),
    "vgg_infer": (1000, (3, 32), ["cnngen", "ort", "torchsharp"], None),
    "vgg_train": (64, (3, 32), ["cnngen", "torchsharp"], None),
    "resnet_train": (64, (1, 28), ["cnngen", "torchsharp"], None),
    "resnet_infer": (1000, (1, 28), ["cnngen", "ort", "torchsharp"], None),
}
NAMES = {"cnngen": "CnnGen", "ort": "ONNX Runtime", "torchsharp": "LibTorch"}


def torch_model(case):
    """The PyTorch twin of a case's network, for the ONNX export (eval mode: dropout is the identity)."""
    import torch.nn as nn
    if case.startswith("simple"):
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    if case.startswith("vgg"):
        return nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Flatten(), nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10))
    if case.startswith("resnet"):
        return resnet14()
    raise ValueError(case)


def resnet14():
    """samples/Common/SeedNetworks.cs's ResNet14 (and TorchSharpPeer's): a 3x3 stem to 16 channels, three stages
    of two basic blocks (16, 32, 64 channels; the first block of stages 2 and 3 has stride 2 and a 1x1 projection
    shortcut), global average pooling, Linear(64, 10)."""
    import torch.nn as nn

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout))
            self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            return (self.body(x) + self.shortcut(x)).relu()

    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        BasicBlock(16, 16, 1), BasicBlock(16, 16, 1), BasicBlock(16, 32, 2), BasicBlock(32, 32, 1),
        BasicBlock(32, 64, 2), BasicBlock(64, 64, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def export_onnx(case):
    """Exports the case's network at its batch size (static shapes, as CnnGen's are) and returns the file."""
    import torch
    batch, (channels, size), _, _ = CASES[case]
    # The batch is in the name: a model exported for another batch (an older case definition) is not reused.
    path = os.path.join(ONNX_DIR, f"{case}-batch{batch}.onnx")
    if not os.path.exists(path):
        os.makedirs(ONNX_DIR, exist_ok=True)
        torch.manual_seed(1)
        model = torch_model(case).eval()
        tmp = path + ".tmp"
        torch.onnx.export(model, torch.zeros(batch, channels, size, size), tmp, opset_version=17,
                          input_names=["input"], output_names=["logits"])
        os.replace(tmp, path)
    return path


def measure(impl, case, seconds, threads):
    common = ["--seconds", str(seconds), "--threads", str(threads)]
    if impl == "cnngen":
        cmd = [EXE, "compare", case] + common
    elif impl == "ort":
        cmd = [EXE, "ort", case, "--model", export_onnx(case)] + common
    else:
        cmd = [WITH_LIBC, TS_EXE, case] + common
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"compare.py: {' '.join(cmd)} failed ({run.returncode}):\n{run.stderr[-2000:]}")
    line = [l for l in run.stdout.splitlines() if l.startswith("{")][-1]
    return json.loads(line)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0, help="timed seconds per measurement")
    ap.add_argument("--rounds", type=int, default=3, help="measurements per implementation and case")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    ap.add_argument("--no-build", action="store_true", help="use the existing Release builds")
    args = ap.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    for c in cases:
        if c not in CASES:
            sys.exit(f"compare.py: unknown case '{c}'; known: {', '.join(CASES)}")

    if not args.no_build:
        for project in (PROJECT, TS_PROJECT):
            subprocess.run(["dotnet", "build", "-c", "Release", project, "-nologo", "-v", "q"], check=True)
    for exe in (EXE, TS_EXE):
        if not os.path.exists(exe):
            sys.exit(f"compare.py: {exe} not found; build it with dotnet build -c Release (or drop --no-build)")
    if any("torchsharp" in CASES[c][2] for c in cases) and not os.access(WITH_LIBC, os.X_OK):
        sys.exit(f"compare.py: the LibTorch peer runs through {WITH_LIBC} (Debian 13's libstdc++), which is missing; "
                 "see DESIGN.md, or leave out the cases that need it with --cases")
    for c in cases:
        if "ort" in CASES[c][2]:
            export_onnx(c)

    load_start = loadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    results = {c: {impl: [] for impl in CASES[c][2]} for c in cases}
    for r in range(args.rounds):
        for c in cases:
            impls = CASES[c][2]
            # Rotate the order each round, so no implementation always runs right after another.
            order = impls[r % len(impls):] + impls[:r % len(impls)]
            threads = CASES[c][3] or args.threads
            for impl in order:
                res = measure(impl, c, args.seconds, threads)
                results[c][impl].append(res)
                print(f"# round {r + 1} {c:15} {impl:10} {res['samples_per_s']:10.1f} samples/s "
                      f"{res['ms_per_step']:9.3f} ms/step  load {loadavg()}", file=sys.stderr, flush=True)
    load_end = loadavg()

    def med(c, impl, key):
        runs = results[c].get(impl)
        return statistics.median(x[key] for x in runs) if runs else None

    def fmt(v, pattern):
        return "—" if v is None else pattern.format(v)

    print(f"Date: {started.strftime('%Y-%m-%d %H:%M UTC')}  ")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs  ")
    print(f"Command: /usr/bin/python3 tests/CnnGen.Benchmarks/compare.py {' '.join(sys.argv[1:])}  ")
    print(f"Threads: {args.threads} (batch-1 latency: 1); rounds: {args.rounds} × {args.seconds:g} s per implementation "
          f"and case, order rotated each round; medians shown  ")
    print(f"Load average (1/5/15 min): start {load_start}, end {load_end}")
    print()
    print("| case | batch | threads | CnnGen samples/s | ONNX Runtime | LibTorch | CnnGen ms/step | "
          "CnnGen / ONNX Runtime | CnnGen / LibTorch |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in cases:
        cg, ort, lt = (med(c, i, "samples_per_s") for i in ("cnngen", "ort", "torchsharp"))
        ms = med(c, "cnngen", "ms_per_step")
        ratio_ort = cg / ort if cg and ort else None
        ratio_lt = cg / lt if cg and lt else None
        print(f"| {c} | {CASES[c][0]} | {CASES[c][3] or args.threads} | {fmt(cg, '{:,.0f}')} | {fmt(ort, '{:,.0f}')} | "
              f"{fmt(lt, '{:,.0f}')} | {fmt(ms, '{:.3f}')} | {fmt(ratio_ort, '{:.2f}×')} | {fmt(ratio_lt, '{:.2f}×')} |")


if __name__ == "__main__":
    main()
