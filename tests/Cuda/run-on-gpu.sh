#!/usr/bin/env bash
# Publishes the on-device checks as a trimmed, self-contained linux-x64 program (the GPU machine has no .NET) into
# tests/Cuda/out/gpucheck, which the device tool carries to the GPU machine:
#   tests/Cuda/run-on-gpu.sh            # here: build
#   run(command="tests/Cuda/out/gpucheck/GpuCheck", carry=["tests/Cuda/out"])   # there: run
# With --run it also runs the program (for use on a machine that has the GPU).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/out/gpucheck"
rm -rf "$out.tmp"
# linux-x64, self-contained and trimmed are set in GpuCheck.csproj.
dotnet publish "$here/GpuCheck/GpuCheck.csproj" -c Release -o "$out.tmp" >/dev/null
rm -rf "$out" && mv "$out.tmp" "$out"   # no half-written folder left behind
du -sh "$out"
if [[ "${1:-}" == "--run" ]]; then
  # The pip wheels on the GPU machine; the resolver finds them anyway, this only puts them first.
  export CNNGEN_CUDA_PATH="${CNNGEN_CUDA_PATH:-/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib:/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib}"
  "$out/GpuCheck"
fi
