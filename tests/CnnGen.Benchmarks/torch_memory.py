#!/usr/bin/python3
"""Activation memory of one ResNet-14 training step (forward, cross-entropy, backward) in PyTorch, for comparison with
the arenas of CnnGen's generated ResNet14 (`CnnGen.Benchmarks memory`); docs/benchmarks.md records both.

    /usr/bin/python3 tests/CnnGen.Benchmarks/torch_memory.py [--batch 64] [--threads 1]

Two measurements of the same step, on the network compare.py exports (compare.resnet14, the twin of ResNet14):

1. Allocator peak: torch.profiler with profile_memory=True records every allocation and free of PyTorch's CPU
   allocator (the "[memory]" events, with signed byte counts). Summing them in time order from the start of the
   forward gives the live bytes at each moment; the peak is the step's peak memory above what existed before it
   (parameters, the input batch). It includes the parameter gradients made by the first backward (0.7 MiB) and every
   temporary PyTorch allocates; it does not see oneDNN's own scratch buffers, which do not go through that allocator.
2. Saved for backward: torch.autograd.graph.saved_tensors_hooks sees every tensor autograd keeps for the backward;
   summing the distinct storages among them (parameters and the input excluded) gives the activations retained at the
   end of the forward, the part that scales with the batch and the counterpart of CnnGen's activation arena.

The first step is measured after one warm-up step, so one-time allocations of the first call are not in the figure.
"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import resnet14  # noqa: E402  (the same PyTorch twin compare.py exports to ONNX)

MIB = 1024.0 * 1024.0


def step(model, x, y):
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()


def allocator_peak(model, x, y):
    """Peak live bytes of PyTorch's CPU allocator during one step, above the level before it."""
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step(model, x, y)
    events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    events.sort(key=lambda e: e.start_us())  # stable: events of the same microsecond keep their recorded order
    live = peak = 0
    for e in events:
        live += e.nbytes()
        peak = max(peak, live)
    return peak, live


def saved_for_backward(model, x, y):
    """Bytes of the distinct storages autograd saves for the backward, parameters and input excluded."""
    excluded = {p.data_ptr() for p in model.parameters()} | {x.data_ptr()}
    storages = {}

    def pack(t):
        ptr = t.storage().data_ptr()
        if ptr not in excluded:
            storages[ptr] = t.storage().nbytes()
        return t

    model.zero_grad(set_to_none=True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    return sum(storages.values()), len(storages)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = resnet14().train()
    x = torch.rand(args.batch, 1, 28, 28) * 2 - 1
    y = torch.randint(0, 10, (args.batch,))
    step(model, x, y)  # warm-up

    peak, end = allocator_peak(model, x, y)
    saved, count = saved_for_backward(model, x, y)
    params = sum(p.numel() for p in model.parameters())
    print(f"PyTorch {torch.__version__}, ResNet-14, batch {args.batch}, {args.threads} thread(s)")
    print(f"allocator peak during forward+backward: {peak / MIB:.2f} MiB above the level before the step "
          f"({end / MIB:.2f} MiB still live after it: the parameter gradients)")
    print(f"saved for backward: {saved / MIB:.2f} MiB in {count} distinct storages "
          f"({saved / args.batch / 4:.0f} floats a sample)")
    print(f"parameters: {params} floats = {params * 4 / MIB:.2f} MiB")


if __name__ == "__main__":
    main()
