#!/usr/bin/python3
"""CnnGen against an earlier build of itself, in one run: the "no slower than before" check.

    git archive COMMIT | tar -x -C /tmp/before && dotnet build -c Release /tmp/before/tests/CnnGen.Benchmarks
    /usr/bin/python3 tests/CnnGen.Benchmarks/before_after.py \
        --before /tmp/before/tests/CnnGen.Benchmarks/bin/Release/net10.0/CnnGen.Benchmarks --cases simple_train,...

Runs `CnnGen.Benchmarks compare CASE` of both executables (this worktree's Release build is "after") in alternating
order round by round, exactly as compare.py alternates the peers, and prints the medians and after / before.
"""
import argparse
import json
import statistics
import subprocess
import sys

from compare import CASES, EXE, loadavg


def measure(exe, case, seconds, threads):
    cmd = [exe, "compare", case, "--seconds", str(seconds), "--threads", str(threads)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"before_after.py: {' '.join(cmd)} failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return json.loads([l for l in run.stdout.splitlines() if l.startswith("{")][-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="the earlier build's CnnGen.Benchmarks executable")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default="simple_infer,simple_latency,simple_train,vgg_infer,vgg_train")
    args = ap.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    exes = {"before": args.before, "after": EXE}
    results = {c: {k: [] for k in exes} for c in cases}
    print(f"Load average at start: {loadavg()}", file=sys.stderr)
    for r in range(args.rounds):
        for c in cases:
            threads = CASES[c][3] or args.threads
            for k in (("before", "after") if r % 2 == 0 else ("after", "before")):
                res = measure(exes[k], c, args.seconds, threads)
                results[c][k].append(res["ms_per_step"])
                print(f"# round {r + 1} {c:15} {k:6} {res['ms_per_step']:9.3f} ms/step  load {loadavg()}", file=sys.stderr, flush=True)
    print(f"Load average at end: {loadavg()}", file=sys.stderr)
    print("| case | batch | threads | before ms/step | after ms/step | after / before (time) |")
    print("|---|---:|---:|---:|---:|---:|")
    for c in cases:
        b, a = (statistics.median(results[c][k]) for k in ("before", "after"))
        print(f"| {c} | {CASES[c][0]} | {CASES[c][3] or args.threads} | {b:.3f} | {a:.3f} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
