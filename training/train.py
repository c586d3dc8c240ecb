"""Trains the Grok-architecture MoE code model with fill-in-the-middle, on CPU (OpenBLAS / oneDNN bf16) or a GPU.

Why these choices: AdamW with linear warmup and cosine decay is the standard recipe for small decoders; a
Switch-style load-balancing loss keeps all experts in use (the router is Grok's softmax over all experts, top-2
without renormalization, so balancing only shapes the router, not the math the engine runs). The run is
reproducible from its inputs: seed, config.json, and the token arrays whose provenance (corpus manifest and
tokenizer hashes) is copied into the checkpoint metadata and `run.json`.

A run is one schedule of `--steps` steps spread over as many working periods as it takes: rerunning the same
command continues from `state.pt` in --out (weights, optimizer moments, sampler state, log), which is rewritten
every `--checkpoint-minutes`, so a crash loses at most that much compute; SIGTERM and `--period-minutes` end a
working period cleanly, after the step in progress and a checkpoint. `--from-milestone DIR` continues from a committed milestone (weights and trainer state, without the
optimizer moments, which are rebuilt over a short re-warmup) on a machine that has no `state.pt`.

Outputs in --out: `model.safetensors` (latest weights, names as Rook's builder reads them), `state.pt`,
`config.json`, `log.jsonl` (one line per logged step), `run.json` (settings, provenance, figures) and `loss.png`.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import signal
import time
from pathlib import Path

import numpy as np
import sentencepiece
import torch
import torch.nn.functional as F

from checkpoint import load_safetensors, save_safetensors
from model import GrokConfig, GrokModel
from plot import plot_loss
from repository import Repository
from samples import IGNORE, SampleSource, SampleSpec


def cpu_has_bf16() -> bool:
    """AMX or AVX512-BF16 in the CPU's flags: where oneDNN runs bf16 matmuls natively (elsewhere bf16 is slower)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def newline_token(tokenizer_model: Path) -> int | None:
    """The token of a lone line break (SentencePiece's byte piece), for line-cut FIM middles; None if it has none."""
    processor = sentencepiece.SentencePieceProcessor(model_file=str(tokenizer_model))
    ids = processor.encode("\n")
    return ids[0] if len(ids) == 1 and ids[0] != processor.unk_id() else None


def learning_rate(step: int, total: int, peak: float, warmup: int) -> float:
    """Linear warmup over `warmup` steps, then cosine decay to 10% of peak at step `total`."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def validation_loss(model: GrokModel, source: SampleSource, batches: int, batch_size: int, bf16: bool) -> float:
    model.eval()
    losses = []
    device = model.embed_tokens.weight.device
    for _ in range(batches):
        inputs, targets = source.batch(batch_size)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits, _ = model(torch.from_numpy(inputs).to(device))
        losses.append(F.cross_entropy(logits.float().flatten(0, 1), torch.from_numpy(targets).to(device).flatten(), ignore_index=IGNORE).item())
    model.train()
    return float(np.mean(losses))


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=here / "configs" / "rook-moe-mini.json")
    parser.add_argument("--data", type=Path, default=here / "data")
    parser.add_argument("--out", type=Path, default=here / "runs" / "rook-moe-mini")
    parser.add_argument("--steps", type=int, default=1000, help="length of the whole schedule, across working periods")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--balance-weight", type=float, default=0.01)
    parser.add_argument("--fim-rate", type=float, default=0.5)
    parser.add_argument("--repository-rate", type=float, default=0.25, help="share of samples that begin with snippets of sibling files (0: none)")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                        help="auto: bf16 autocast where the CPU has AMX or AVX512-BF16 (or on a GPU), else fp32; the loss stays fp32")
    parser.add_argument("--period-minutes", type=float, default=0, help="end this working period after this long (0: run to the end of the schedule)")
    parser.add_argument("--checkpoint-minutes", type=float, default=10, help="rewrite state.pt at least this often")
    parser.add_argument("--from-milestone", type=Path, help="a committed milestone folder to continue from when --out has no state.pt")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--eval-every", type=int, default=100)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    bf16 = args.precision == "bf16" or (args.precision == "auto" and (device == "cuda" or cpu_has_bf16()))
    config_json = json.loads(args.config.read_text())
    config = GrokConfig.from_json(config_json)
    model = GrokModel(config).to(device)
    total_params, active_params = model.count_parameters()

    train = np.load(args.data / "train-tokens.npz")
    held_out = np.load(args.data / "eval-tokens.npz")
    provenance = json.loads(str(train["provenance"]))
    spec = SampleSpec(length=config.max_position_embeddings, fim_rate=args.fim_rate, newline=newline_token(args.data / "tokenizer.model"),
                      repository_rate=args.repository_rate)
    repository, encode = None, None
    if args.repository_rate > 0:
        repository = Repository(args.data / "train.jsonl", len(train["offsets"]) - 1)
        encode = sentencepiece.SentencePieceProcessor(model_file=str(args.data / "tokenizer.model")).encode
    source = SampleSource(train["tokens"], train["offsets"], spec, args.seed, repository, encode)

    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))

    args.out.mkdir(parents=True, exist_ok=True)
    state_file = args.out / "state.pt"
    trainer = {"step": 0, "tokens": 0, "wall_seconds": 0.0, "history": [], "rewarm_from": None}
    if state_file.exists():
        state = torch.load(state_file)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        source.rng.bit_generator.state = state["sampler"]
        trainer = state["trainer"]
    elif args.from_milestone:
        tensors, _ = load_safetensors(args.from_milestone / "model.safetensors")
        model.load_state_dict({name.removeprefix("model."): t for name, t in tensors.items()})
        trainer = json.loads((args.from_milestone / "trainer.json").read_text())
        trainer["rewarm_from"] = trainer["step"]  # fresh optimizer moments: ramp the LR up again over 20 steps
        source = SampleSource(train["tokens"], train["offsets"], spec, args.seed + trainer["step"], repository, encode)
    # Validation keeps the sampling the curve began with (random FIM spans), so its points stay comparable.
    validation = SampleSource(held_out["tokens"], held_out["offsets"], dataclasses.replace(spec, newline=None), args.seed + 1)

    (args.out / "config.json").write_text(json.dumps(config_json, indent=2) + "\n")
    run = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, "provenance": provenance, "device": device,
           "precision": "bf16" if bf16 else "fp32", "parameters": {"total": total_params, "active": active_params}, "torch": torch.__version__}
    print(json.dumps({**run, "continuing_at": trainer["step"]}), flush=True)
    history = trainer["history"]
    with (args.out / "log.jsonl").open("w") as log:
        for entry in history:
            log.write(json.dumps(entry) + "\n")
    log = (args.out / "log.jsonl").open("a")
    started = time.time()
    wall_before = trainer["wall_seconds"]
    period_tokens = 0
    last_checkpoint = time.time()

    def save(step: int) -> None:
        trainer.update({"step": step, "wall_seconds": round(wall_before + time.time() - started, 1)})
        metadata = {"step": str(step), "seed": str(args.seed), **{k: str(v) for k, v in provenance.items()}}
        save_safetensors(args.out / "model.safetensors", model.checkpoint_tensors(), metadata)
        tmp = state_file.with_suffix(".tmp")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "sampler": source.rng.bit_generator.state, "trainer": trainer}, tmp)
        tmp.replace(state_file)
        (args.out / "trainer.json").write_text(json.dumps(trainer) + "\n")
        run.update({"steps": step, "tokens": trainer["tokens"], "wall_seconds": trainer["wall_seconds"], "history_tail": history[-1:]})
        (args.out / "run.json").write_text(json.dumps(run, indent=2) + "\n")
        plot_loss(history, args.out / "loss.png", f"rook-moe-mini: {total_params / 1e6:.1f}M params ({active_params / 1e6:.1f}M active), {device}")

    # SIGTERM (kill, a session's end) ends the step in progress, saves and exits, so stopping loses nothing.
    terminated: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: terminated.append(signum))

    step = trainer["step"]
    while step < args.steps:
        lr = learning_rate(step, args.steps, args.lr, args.warmup)
        if trainer["rewarm_from"] is not None and step - trainer["rewarm_from"] < 20:
            lr *= (step - trainer["rewarm_from"] + 1) / 20
        for group in optimizer.param_groups:
            group["lr"] = lr
        inputs, targets = source.batch(args.batch)
        inputs_t, targets_t = torch.from_numpy(inputs).to(device), torch.from_numpy(targets).to(device)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            logits, balance = model(inputs_t)
        loss = F.cross_entropy(logits.float().flatten(0, 1), targets_t.flatten(), ignore_index=IGNORE)
        (loss + args.balance_weight * balance.float()).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        counted = int((targets != IGNORE).sum())
        trainer["tokens"] += counted
        period_tokens += counted
        step += 1

        if step % args.log_every == 0 or step == args.steps:
            elapsed = time.time() - started
            entry = {"step": step, "loss": round(loss.item(), 4), "balance": round(balance.item(), 4), "lr": lr, "tokens": trainer["tokens"],
                     "seconds": round(wall_before + elapsed, 1), "tokens_per_second": round(period_tokens / elapsed, 1)}
            if step % args.eval_every == 0 or step == args.steps:
                entry["val_loss"] = round(validation_loss(model, validation, 4, args.batch, bf16), 4)
            history.append(entry)
            log.write(json.dumps(entry) + "\n")
            log.flush()
            print(json.dumps(entry), flush=True)
        period_over = args.period_minutes > 0 and time.time() - started >= args.period_minutes * 60
        if step % args.eval_every == 0 or step == args.steps or period_over or terminated or time.time() - last_checkpoint >= args.checkpoint_minutes * 60:
            save(step)
            last_checkpoint = time.time()
        if period_over or terminated:
            print(json.dumps({"stopped": "terminated" if terminated else "working period over", "step": step, "of": args.steps}), flush=True)
            return
    print(json.dumps({"stopped": "schedule complete", "step": step}), flush=True)


if __name__ == "__main__":
    main()
