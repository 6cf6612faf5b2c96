#!/usr/bin/env bash
# The CPU figures of benchmarks/README.md: writes results/*.jsonl and scaling.png (about 25 minutes
# on 2 cores; run it on an otherwise idle machine: torch's threads slow down badly when shared).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p results
python bench_fit.py > results/cpu_reference.jsonl
python bench_fit.py --rows 100000 --repeats 1 > results/cpu_reference_100k.jsonl
python bench_ratio.py --methods tuned_loop,tuned_loop_fused,mtl,mtl_plain_trunk --repeats 5 > results/cpu_ratio.jsonl
python bench_ratio.py --rows 100000 --methods tuned_loop,tuned_loop_fused,mtl,mtl_plain_trunk --repeats 3 >> results/cpu_ratio.jsonl
python bench_ratio.py --methods tuned_loop,mtl,mtl_compiled --repeats 3 >> results/cpu_ratio.jsonl
python bench_ratio.py --features 2048 --methods tuned_loop,mtl,mtl_plain_trunk --repeats 3 >> results/cpu_ratio.jsonl
: > results/cpu_scaling.jsonl
sweep() {  # one process per method and setting: fit time, peak memory, predict throughput
  python bench_fit.py --methods mtl,tuned_loop "$@" >> results/cpu_scaling.jsonl
}
for rows in 10000 100000; do sweep --rows "$rows" --epochs 1 --repeats 3; done
sweep --rows 1000000 --epochs 1 --repeats 1
for tasks in 2 8 32 128; do sweep --tasks "$tasks" --epochs 2 --repeats 3; done
for features in 10 2000; do sweep --features "$features" --epochs 2 --repeats 3; done
python bench_fit.py --methods mtl --repeats 3 --features 2000 --sparse --epochs 2 >> results/cpu_scaling.jsonl  # the tuned loop takes no sparse X
python bench_sweep.py --sweep tasks --values 2 8 32 128 --epochs 2 > results/cpu_sweep.jsonl
python bench_sweep.py --sweep rows --values 10000 100000 --epochs 1 >> results/cpu_sweep.jsonl
for sweep in "batch_size --values 128 512 2048" "width --values 64 256 1024"; do  # what the scheduler costs
  python bench_sweep.py --sweep $sweep --methods mtl_plain_trunk,mtl --epochs 2 >> results/cpu_sweep.jsonl
done
python plot_scaling.py
