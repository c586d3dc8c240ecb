"""Measures training throughput (tokens/s) of a config on this machine, float32 against bfloat16 autocast.

Why: CPUs of this kind differ (AMX, AVX512-BF16 or neither), and bf16 is faster only where the CPU has it, so the
trainer's precision is chosen by measurement. Steps run on random tokens with the real model, loss and optimizer;
the first steps warm up oneDNN's kernels and are not counted. Prints one JSON line per precision, median of steps.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from model import GrokConfig, GrokModel
from train import cpu_has_bf16


def measure(config: GrokConfig, batch: int, seq: int, steps: int, bf16: bool, threads: int) -> dict:
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    model = GrokModel(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    times = []
    for step in range(steps + 2):
        ids = torch.randint(7, config.vocab_size, (batch, seq + 1))
        started = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits, balance = model(ids[:, :-1])
        loss = F.cross_entropy(logits.float().flatten(0, 1), ids[:, 1:].flatten())
        (loss + 0.01 * balance).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= 2:
            times.append(time.perf_counter() - started)
    median = statistics.median(times)
    total, active = model.count_parameters()
    return {"precision": "bf16" if bf16 else "fp32", "batch": batch, "seq": seq, "params": total, "active": active,
            "step_seconds": round(median, 3), "tokens_per_second": round(batch * seq / median, 1)}


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=here / "configs" / "rook-moe-mini.json")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=0, help="0: the config's context")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    config = GrokConfig.from_json(json.loads(args.config.read_text()))
    seq = args.seq or config.max_position_embeddings
    print(json.dumps({"cpu_has_bf16": cpu_has_bf16()}))
    for bf16 in (False, True):
        print(json.dumps(measure(config, args.batch, seq, args.steps, bf16, args.threads)), flush=True)


if __name__ == "__main__":
    main()
