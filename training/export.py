"""Exports a training run as Rook's shipped model folder: config.json, tokenizer.json, model.onnx, reference logits,
loss curve.

Why through Rook's builder: the graph the engine runs must be the one `rook convert` builds from the same
safetensors, so this script writes the checkpoint into the folder, runs server/model/build (compiled, via
training/build-onnx.cjs), and removes the safetensors again (the folder ships only what the engine reads).
The reference logits are PyTorch's for a fixed code snippet, so a Node test can prove the engine computes the
same function without PyTorch in CI. With `--quant int8` (the default: the shipped folder must stay small) the
builder block-quantizes the linear layers as llama.cpp's Q8_0 (server/model/quant.ts), and the reference is
computed from the same dequantized weights d·q, so the test measures only what the engine adds (its int8
activations), not the weights' rounding.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import sentencepiece as spm
import torch

from checkpoint import load_safetensors
from model import GrokConfig, GrokModel

REFERENCE_TEXT = 'import os\n\n\ndef read_lines(path):\n    """Return the lines of a file."""\n    with open(path) as f:\n        return f.read().splitlines()\n'
REFERENCE_COLUMNS = 96  # logits kept per position: an even spread over the vocabulary plus each position's top 8


QUANTIZED = ("q_proj", "k_proj", "v_proj", "o_proj", "linear", "linear_v", "linear_1")  # what the builder quantizes
BLOCK = 32


def q8_0_dequantized(weight: torch.Tensor) -> torch.Tensor:
    """The values d·q that Rook's Q8_0 blocks of a `[out, in]` weight stand for, as quant.ts computes them in float32:
    d = amax/127, q = round(x/d) half away from zero (with the unrounded d), d stored as fp16."""
    x = weight.detach().float().numpy().reshape(-1, BLOCK)
    amax = np.abs(x).max(axis=1, keepdims=True)
    d = (amax / np.float32(127)).astype(np.float32)
    inverse = np.divide(np.float32(1), d, out=np.zeros_like(d), where=d != 0).astype(np.float32)
    scaled = (x * inverse).astype(np.float32)
    q = np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5))
    return torch.from_numpy((d.astype(np.float16).astype(np.float32) * q).astype(np.float32).reshape(weight.shape))


def quantized_like_builder(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name: q8_0_dequantized(t) if name.rsplit(".", 2)[-2] in QUANTIZED else t for name, t in tensors.items()}


def reference_logits(model: GrokModel, ids: list[int]) -> dict:
    with torch.no_grad():
        logits, _ = model(torch.tensor([ids]))
    logits = logits[0]
    vocab = logits.shape[-1]
    spread = set(range(0, vocab, vocab // (REFERENCE_COLUMNS - 8)))
    columns = sorted(spread | set(logits.topk(8, dim=-1).indices.flatten().tolist()))
    return {
        "description": "PyTorch (training/model.py) logits of the trained weights for input_ids, at the listed vocabulary columns",
        "text": REFERENCE_TEXT,
        "input_ids": ids,
        "columns": columns,
        "logits": [[round(v, 5) for v in row] for row in logits[:, columns].tolist()],
        "argmax": logits.argmax(-1).tolist(),
    }


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", type=Path, default=here / "runs" / "rook-moe-mini")
    parser.add_argument("--data", type=Path, default=here / "data")
    parser.add_argument("--out", type=Path, default=here.parent / "models" / "rook-moe-mini")
    parser.add_argument("--quant", choices=("int8", "none"), default="int8", help="linear layers as Q8_0 blocks (MatMulNBits) or float32")
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    config_json = json.loads((args.run / "config.json").read_text())
    (args.out / "config.json").write_text(json.dumps(config_json, indent=2) + "\n")
    shutil.copyfile(args.data / "tokenizer.json", args.out / "tokenizer.json")
    shutil.copyfile(args.run / "loss.png", args.out / "loss.png")
    weights = args.out / "model.safetensors"
    shutil.copyfile(args.run / "model.safetensors", weights)
    try:
        subprocess.run(["node", str(here / "build-onnx.cjs"), str(args.out), args.quant], check=True)
    finally:
        weights.unlink()

    model = GrokModel(GrokConfig.from_json(config_json))
    tensors, metadata = load_safetensors(args.run / "model.safetensors")
    if args.quant == "int8":
        tensors = quantized_like_builder(tensors)
    model.load_state_dict({name.removeprefix("model."): t for name, t in tensors.items()})
    model.eval()
    sp = spm.SentencePieceProcessor(model_file=str(args.data / "tokenizer.model"))
    ids = [config_json["bos_token_id"], *sp.encode(REFERENCE_TEXT)]
    (args.out / "reference-logits.json").write_text(json.dumps(reference_logits(model, ids)) + "\n")
    total, active = model.count_parameters()
    print(json.dumps({"folder": str(args.out), "checkpoint": metadata, "parameters": {"total": total, "active": active},
                      "bytes": {p.name: p.stat().st_size for p in sorted(args.out.iterdir())}}))


if __name__ == "__main__":
    main()
