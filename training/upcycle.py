"""Sparse upcycling: a milestone with twice the experts, each expert copied, and twice the experts per token, so the
new model starts as the same function (before the symmetry-breaking noise) with twice the expert parameters.

Why: the compute this project trains on (two CPU cores) cannot train a larger model from scratch, but the curve of the
shipped size has flattened (training/README.md). Copying experts keeps what was learned; routing to both copies of the
two experts the old router chose, each copy at half its probability (the softmax over the duplicated logits halves
every probability), sums to the old output exactly, because Grok's router does not renormalize the top-k. Small noise
on the copies' router rows and weights lets the pairs specialize apart during training (identical copies would get
gradients in the same direction forever).

    /usr/bin/python3 upcycle.py --milestone milestone --out runs/upcycled-milestone --config-out configs/rook-moe-mini-16x4.json
    /usr/bin/python3 train.py --config configs/rook-moe-mini-16x4.json --from-milestone runs/upcycled-milestone --out runs/rook-moe-16x4 ...
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import torch

from checkpoint import load_safetensors, save_safetensors

EXPERT = re.compile(r"^(model\.layers\.\d+\.moe_block\.experts\.)(\d+)(\..+)$")
ROUTER = re.compile(r"^model\.layers\.\d+\.moe_block\.gate\.weight$")


def upcycle(tensors: dict[str, torch.Tensor], experts: int, noise: float, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Expert e becomes experts 2e and 2e+1; each router row likewise. `noise` is relative to each tensor's RMS."""
    def jitter(t: torch.Tensor) -> torch.Tensor:
        return t + noise * t.pow(2).mean().sqrt() * torch.randn(t.shape, generator=generator)

    out: dict[str, torch.Tensor] = {}
    for name, t in tensors.items():
        expert = EXPERT.match(name)
        if expert:
            prefix, index, suffix = expert.group(1), int(expert.group(2)), expert.group(3)
            if index >= experts:
                raise ValueError(f"{name}: expert {index} beyond the config's {experts}")
            out[f"{prefix}{2 * index}{suffix}"] = t.clone()
            out[f"{prefix}{2 * index + 1}{suffix}"] = jitter(t)
        elif ROUTER.match(name):
            if t.shape[0] != experts:
                raise ValueError(f"{name}: {t.shape[0]} router rows, the config has {experts} experts")
            out[name] = torch.stack([row for r in t for row in (r.clone(), jitter(r))])
        else:
            out[name] = t
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--milestone", type=Path, required=True, help="a milestone folder: config.json, model.safetensors, trainer.json")
    parser.add_argument("--out", type=Path, required=True, help="the upcycled milestone folder to write")
    parser.add_argument("--config-out", type=Path, required=True, help="where to write the upcycled config (train.py --config)")
    parser.add_argument("--noise", type=float, default=0.01, help="noise on each copy, relative to the tensor's RMS")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    config = json.loads((args.milestone / "config.json").read_text())
    tensors, metadata = load_safetensors(args.milestone / "model.safetensors")
    experts = config["num_experts"]
    upcycled = upcycle(tensors, experts, args.noise, torch.Generator().manual_seed(args.seed))
    config = {**config, "num_experts": 2 * experts, "num_experts_per_tok": 2 * config["num_experts_per_tok"]}

    args.out.mkdir(parents=True, exist_ok=True)
    save_safetensors(args.out / "model.safetensors", upcycled, {**metadata, "upcycled_from_step": metadata.get("step", "")})
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (args.out / "trainer.json").write_text((args.milestone / "trainer.json").read_text())
    args.config_out.write_text(json.dumps(config, indent=2) + "\n")
    print(f"{experts} -> {2 * experts} experts, top-{config['num_experts_per_tok']}: {args.out}")


if __name__ == "__main__":
    main()
