#!/usr/bin/env bash
# The GPU figures of benchmarks/README.md (about 10 minutes on one H100 or H200): host syncs in a
# fit, operations and kernel launches per step, the interleaved ratio to the tuned loop at 10^6
# rows, the GPU tests, and then, if they pass, the same ratio for torch.compile and for CUDA graphs
# (one process each: inductor's caches from one mode broke the other's CUDA graphs in one process).
#     bash benchmarks/run_gpu.sh [output folder, default benchmarks/results]
set -uo pipefail
out=$(realpath "${1:-$(dirname "$0")/results}")
cd "$(dirname "$0")"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu_machine.txt"
python -c "import torch, sklearn, skorch; print('torch', torch.__version__, 'scikit-learn', sklearn.__version__,
'skorch', skorch.__version__)" | tee -a "$out/gpu_machine.txt"
ratio() { timeout 300 python bench_ratio.py --device cuda --rows 1000000 --epochs 1 "$@" | tee -a "$out/gpu_ratio.jsonl"; }
timeout 60 python gpu_sync_count.py | tee "$out/gpu_sync.jsonl"
timeout 120 python step_profile.py --device cuda | tee "$out/gpu_step_profile.jsonl"
: > "$out/gpu_ratio.jsonl"
ratio --repeats 2 --methods tuned_loop,tuned_loop_fused,mtl,mtl_plain_trunk
if timeout 300 python -m pytest -m gpu -q -p no:cacheprovider ../tests/test_gpu.py 2>&1 | tee "$out/gpu_tests.txt"; then
  ratio --repeats 2 --methods tuned_loop,mtl,mtl_compiled
  ratio --repeats 2 --methods tuned_loop,mtl,mtl_cuda_graphs
fi
