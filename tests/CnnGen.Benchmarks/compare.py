#!/usr/bin/python3
"""Side-by-side speed of CnnGen and PyTorch on this machine.

Builds the seed networks of samples/Common/SeedNetworks.cs in PyTorch (nn.Sequential, the same layers), times each case in
PyTorch in this process and in CnnGen through the benchmark executable's `compare` command, alternating the two
implementations round by round so that a change in machine load hits both, and prints a Markdown table of the
medians. Run with the system Python that has torch 1.13.1:

    /usr/bin/python3 tests/CnnGen.Benchmarks/compare.py --threads 2 --seconds 5 --rounds 5

The CnnGen side is built once with `dotnet build -c Release` (skip with --no-build).
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROJECT = os.path.join(HERE, "CnnGen.Benchmarks.csproj")
EXE = os.path.join(HERE, "bin", "Release", "net10.0", "CnnGen.Benchmarks")

CASES = ["simple_train", "simple_infer", "simple_latency", "max_pool_train", "no_max_pool_train"]


def simple_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


def max_pool_net():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.BatchNorm2d(6),
        nn.Conv2d(6, 12, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(12 * 4 * 4, 120), nn.ReLU(), nn.BatchNorm1d(120),
        nn.Linear(120, 60), nn.ReLU(), nn.Linear(60, 10))


def no_max_pool_net():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.BatchNorm2d(6),
        nn.Conv2d(6, 12, 5), nn.ReLU(),
        nn.Flatten(), nn.Linear(12 * 20 * 20, 120), nn.ReLU(), nn.BatchNorm1d(120),
        nn.Linear(120, 60), nn.ReLU(), nn.Linear(60, 10))


# case: (model factory, batch, training?, Adam learning rate)
SPECS = {
    "simple_train": (simple_cnn, 64, True, 1e-3),
    "simple_infer": (simple_cnn, 1000, False, None),
    "simple_latency": (simple_cnn, 1, False, None),
    "max_pool_train": (max_pool_net, 1000, True, 0.01),
    "no_max_pool_train": (no_max_pool_net, 1000, True, 0.01),
}


def torch_step(case):
    """Returns (batch, step function) for one case, on random data (speed does not depend on the values)."""
    factory, batch, training, lr = SPECS[case]
    torch.manual_seed(1)
    model = factory()
    x = torch.rand(batch, 1, 28, 28) * 2 - 1
    y = torch.randint(0, 10, (batch,))
    if training:
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                model(x)
    return batch, step


def time_torch(case, seconds):
    batch, step = torch_step(case)
    for _ in range(3):
        step()
    steps = 0
    t0 = time.perf_counter()
    while True:
        step()
        steps += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds and steps >= 3:
            break
    return {"impl": "pytorch", "case": case, "batch": batch, "steps": steps, "seconds": elapsed,
            "samples_per_s": steps * batch / elapsed, "ms_per_step": 1000 * elapsed / steps}


def time_cnngen(case, seconds, threads):
    out = subprocess.run([EXE, "compare", case, "--seconds", str(seconds), "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("{")][-1]
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
    ap.add_argument("--seconds", type=float, default=5.0, help="timed seconds per measurement")
    ap.add_argument("--rounds", type=int, default=5, help="measurements per implementation and case")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    ap.add_argument("--no-build", action="store_true", help="use the existing Release build")
    args = ap.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    for c in cases:
        if c not in SPECS:
            sys.exit(f"compare.py: unknown case '{c}'; known: {', '.join(CASES)}")

    if not args.no_build:
        subprocess.run(["dotnet", "build", "-c", "Release", PROJECT, "-nologo", "-v", "q"], check=True)
    if not os.path.exists(EXE):
        sys.exit(f"compare.py: {EXE} not found; build it with dotnet build -c Release {PROJECT}")

    torch.set_num_threads(args.threads)
    load_start = loadavg()
    started = datetime.datetime.now().astimezone()
    results = {c: {"pytorch": [], "cnngen": []} for c in cases}
    for r in range(args.rounds):
        for c in cases:
            # Alternate which implementation goes first, so neither always runs right after the other.
            order = ["pytorch", "cnngen"] if r % 2 == 0 else ["cnngen", "pytorch"]
            for impl in order:
                res = time_torch(c, args.seconds) if impl == "pytorch" else time_cnngen(c, args.seconds, args.threads)
                results[c][impl].append(res)
                print(f"# round {r + 1} {c:18} {impl:8} {res['samples_per_s']:10.1f} samples/s "
                      f"{res['ms_per_step']:9.3f} ms/step  load {loadavg()}", file=sys.stderr, flush=True)
    load_end = loadavg()

    print(f"Date: {started.strftime('%Y-%m-%d %H:%M %Z')}  ")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs  ")
    print(f"Threads: {args.threads} (torch.set_num_threads and CnnGen --threads); PyTorch {torch.__version__}  ")
    print(f"Rounds: {args.rounds} × {args.seconds:g} s per implementation and case, alternating; medians shown  ")
    print(f"Load average (1/5/15 min): start {load_start}, end {load_end}")
    print()
    print("| case | batch | PyTorch samples/s | CnnGen samples/s | PyTorch ms/step | CnnGen ms/step | CnnGen / PyTorch |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in cases:
        pt = results[c]["pytorch"]
        cg = results[c]["cnngen"]
        pt_s = statistics.median(x["samples_per_s"] for x in pt)
        cg_s = statistics.median(x["samples_per_s"] for x in cg)
        pt_ms = statistics.median(x["ms_per_step"] for x in pt)
        cg_ms = statistics.median(x["ms_per_step"] for x in cg)
        print(f"| {c} | {SPECS[c][1]} | {pt_s:,.0f} | {cg_s:,.0f} | {pt_ms:.3f} | {cg_ms:.3f} | {cg_s / pt_s:.2f}× |")


if __name__ == "__main__":
    main()
