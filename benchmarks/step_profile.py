"""Tensor operations and GPU kernel launches per optimiser step, per method.

On small networks a training step costs little arithmetic and many fixed-cost
calls: each tensor operation passes through torch's dispatcher and, on a GPU,
launches kernels. This counts them with torch's profiler over one epoch of
each method (after a warm-up fit) and divides by the number of steps.

    python benchmarks/step_profile.py
    python benchmarks/step_profile.py --device cuda
"""

import argparse
import json
from collections import Counter

from bench_fit import FITS, add_setting_arguments, make_data


def main():
    parser = argparse.ArgumentParser()
    add_setting_arguments(parser)
    parser.add_argument("--methods", default="tuned_loop_fused,mtl_plain_trunk,mtl")
    parser.set_defaults(rows=6400, epochs=1)
    args = parser.parse_args()
    from torch.profiler import ProfilerActivity, profile

    X, Y, _, _ = make_data(args.rows, args.features, args.tasks, args.missing, args.sparse)
    steps = args.epochs * -(-args.rows // args.batch_size)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if args.device == "cuda" else [])
    for method in args.methods.split(","):
        FITS[method](X, Y, args)  # warm-up
        with profile(activities=activities) as prof:
            FITS[method](X, Y, args)
        events = prof.events()
        # operations the caller asked for, not those an operation runs inside itself
        operations = Counter(
            e.name
            for e in events
            if e.name.startswith("aten::") and not (e.cpu_parent and e.cpu_parent.name.startswith("aten::"))
        )
        launches = sum(
            e.name in ("cudaLaunchKernel", "cuLaunchKernel", "cuLaunchKernelEx", "cudaLaunchKernelExC")
            for e in events
        )
        print(
            json.dumps(
                dict(
                    method=method,
                    device=args.device,
                    rows=args.rows,
                    features=args.features,
                    steps=steps,
                    operations_per_step=round(sum(operations.values()) / steps, 1),
                    kernel_launches_per_step=round(launches / steps, 1) if args.device == "cuda" else None,
                    most_frequent={name: round(n / steps, 2) for name, n in operations.most_common(12)},
                )
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
