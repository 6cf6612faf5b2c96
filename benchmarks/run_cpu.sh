#!/usr/bin/env bash
# The CPU figures of benchmarks/README.md: writes results/*.jsonl (about 15 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p results
python bench_fit.py > results/cpu_reference.jsonl
python bench_ratio.py --methods tuned_loop,tuned_loop_fused,mtl,mtl_plain_trunk --repeats 5 > results/cpu_ratio.jsonl
python bench_ratio.py --rows 100000 --methods tuned_loop,tuned_loop_fused,mtl --repeats 3 >> results/cpu_ratio.jsonl
for tasks in 2 128; do
  python bench_ratio.py --tasks "$tasks" --epochs 2 --methods tuned_loop,mtl --repeats 3 >> results/cpu_scaling.jsonl
done
for rows in 10000 100000 1000000; do
  python bench_ratio.py --rows "$rows" --epochs 1 --methods tuned_loop,mtl --repeats 1 >> results/cpu_scaling.jsonl
done
for features in 10 2000; do
  python bench_ratio.py --features "$features" --epochs 2 --methods tuned_loop,mtl --repeats 3 >> results/cpu_scaling.jsonl
done
python bench_ratio.py --features 2000 --sparse --epochs 2 --methods mtl --repeats 3 >> results/cpu_scaling.jsonl || true
