"""Trains the Grok-architecture MoE code model with fill-in-the-middle, on CPU (OpenBLAS) or a GPU.

Why these choices: AdamW with linear warmup and cosine decay is the standard recipe for small decoders; a
Switch-style load-balancing loss keeps all experts in use (the router is Grok's softmax over all experts, top-2
without renormalization, so balancing only shapes the router, not the math the engine runs). The run is
reproducible from its inputs: seed, config.json, and the token arrays whose provenance (corpus manifest and
tokenizer hashes) is copied into the checkpoint metadata and `run.json`.

Outputs in --out: `model.safetensors` (latest checkpoint, names as Rook's builder reads them), `config.json`,
`log.jsonl` (one line per logged step), `run.json` (settings, provenance, figures) and `loss.png`.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from checkpoint import load_safetensors, save_safetensors
from model import GrokConfig, GrokModel
from plot import plot_loss
from samples import IGNORE, SampleSource, SampleSpec


def learning_rate(step: int, progress: float, peak: float, warmup: int) -> float:
    """Linear warmup over `warmup` steps, then cosine decay to 10% of peak as `progress` goes from 0 to 1."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


@torch.no_grad()
def validation_loss(model: GrokModel, source: SampleSource, batches: int, batch_size: int) -> float:
    model.eval()
    losses = []
    for _ in range(batches):
        inputs, targets = source.batch(batch_size)
        device = model.embed_tokens.weight.device
        logits, _ = model(torch.from_numpy(inputs).to(device))
        losses.append(F.cross_entropy(logits.flatten(0, 1), torch.from_numpy(targets).to(device).flatten(), ignore_index=IGNORE).item())
    model.train()
    return float(np.mean(losses))


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=here / "configs" / "rook-moe-mini.json")
    parser.add_argument("--data", type=Path, default=here / "data")
    parser.add_argument("--out", type=Path, default=here / "runs" / "rook-moe-mini")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--balance-weight", type=float, default=0.01)
    parser.add_argument("--fim-rate", type=float, default=0.5)
    parser.add_argument("--max-minutes", type=float, default=0,
                        help="wall-clock budget: the schedule follows whichever of steps or time runs out first (for a shared CPU); 0: steps only")
    parser.add_argument("--resume", type=Path, help="a previous run folder: continue from its weights (fresh optimizer, new schedule) and its log; give a new --seed so the samples differ")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--eval-every", type=int, default=100)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    config_json = json.loads(args.config.read_text())
    config = GrokConfig.from_json(config_json)
    model = GrokModel(config)
    if args.resume:
        tensors, _ = load_safetensors(args.resume / "model.safetensors")
        model.load_state_dict({name.removeprefix("model."): t for name, t in tensors.items()})
    model = model.to(device)
    total_params, active_params = model.count_parameters()

    train = np.load(args.data / "train-tokens.npz")
    held_out = np.load(args.data / "eval-tokens.npz")
    provenance = json.loads(str(train["provenance"]))
    spec = SampleSpec(length=config.max_position_embeddings, fim_rate=args.fim_rate)
    source = SampleSource(train["tokens"], train["offsets"], spec, args.seed)
    validation = SampleSource(held_out["tokens"], held_out["offsets"], spec, args.seed + 1)

    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "config.json").write_text(json.dumps(config_json, indent=2) + "\n")
    run = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, "provenance": provenance, "device": device,
           "parameters": {"total": total_params, "active": active_params}, "torch": torch.__version__}
    print(json.dumps(run), flush=True)
    log = (args.out / "log.jsonl").open("w")
    started = time.time()
    history: list[dict] = [json.loads(line) for line in (args.resume / "log.jsonl").open()] if args.resume else []
    previous = json.loads((args.resume / "run.json").read_text()) if args.resume else {"steps": 0, "tokens": 0}
    tokens_seen, first_step = previous["tokens"], previous["steps"]
    resumed_tokens = tokens_seen
    if args.resume:
        run["resumed_from"] = {"run": str(args.resume), "steps": first_step, "tokens": tokens_seen}
    for entry in history:
        log.write(json.dumps(entry) + "\n")

    def checkpoint(step: int) -> None:
        metadata = {"step": str(step), "seed": str(args.seed), **{k: str(v) for k, v in provenance.items()}}
        save_safetensors(args.out / "model.safetensors", model.checkpoint_tensors(), metadata)
        run.update({"steps": step, "tokens": tokens_seen, "wall_seconds": round(time.time() - started, 1), "history_tail": history[-1:]})
        (args.out / "run.json").write_text(json.dumps(run, indent=2) + "\n")
        plot_loss(history, args.out / "loss.png", f"rook-moe-mini: {total_params / 1e6:.1f}M params ({active_params / 1e6:.1f}M active), {device}")

    def progress(step: int) -> float:
        by_steps = step / args.steps
        by_time = (time.time() - started) / (args.max_minutes * 60) if args.max_minutes > 0 else 0.0
        return max(by_steps, by_time)

    for step in range(args.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, progress(step), args.lr, args.warmup)
        inputs, targets = source.batch(args.batch)
        inputs_t, targets_t = torch.from_numpy(inputs).to(device), torch.from_numpy(targets).to(device)
        logits, balance = model(inputs_t)
        loss = F.cross_entropy(logits.flatten(0, 1), targets_t.flatten(), ignore_index=IGNORE)
        (loss + args.balance_weight * balance).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        tokens_seen += int((targets != IGNORE).sum())

        if step % args.log_every == 0 or step == args.steps - 1:
            entry = {"step": first_step + step, "loss": round(loss.item(), 4), "balance": round(balance.item(), 4), "lr": optimizer.param_groups[0]["lr"],
                     "tokens": tokens_seen, "seconds": round(time.time() - started, 1), "tokens_per_second": round((tokens_seen - resumed_tokens) / (time.time() - started), 1)}
            if step % args.eval_every == 0 or step == args.steps - 1:
                entry["val_loss"] = round(validation_loss(model, validation, 4, args.batch), 4)
            history.append(entry)
            log.write(json.dumps(entry) + "\n")
            log.flush()
            print(json.dumps(entry), flush=True)
        out_of_time = progress(step + 1) >= 1
        if (step + 1) % args.eval_every == 0 or step == args.steps - 1 or out_of_time:
            checkpoint(first_step + step + 1)
        if out_of_time:
            print(json.dumps({"stopped": "schedule complete", "step": first_step + step + 1}), flush=True)
            break


if __name__ == "__main__":
    main()
