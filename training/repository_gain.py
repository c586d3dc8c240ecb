"""Measures how much a checkpoint uses repository context: its loss on held-out windows with snippets of sibling
files before them (as `repository.py` lays them out for training and the sidecar for completions) and without.

Why: `rook eval`'s cross-file cases score a few dozen exact names, too few to see a model start to copy from
context; the loss on the same window tokens with and without the snippets moves smoothly. The windows come from
the held-out packages (`eval.jsonl`), drawn with a fixed seed, so checkpoints compare on the same samples.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import sentencepiece
import torch
import torch.nn.functional as F

from checkpoint import load_safetensors
from model import GrokConfig, GrokModel
from repository import Repository, split_tokens
from samples import BOS

WINDOW_CHARS, SNIPPET_CHARS, MAX_SCORED = 2400, 500, 600
# The first tokens of a window may be spelled differently with and without text before it (SentencePiece's
# leading space); they are left out of both losses.
SKIPPED = 2


def held_out_samples(repository: Repository, encode, count: int, length: int, seed: int) -> list[tuple[list[int], list[int]]]:
    """(snippet tokens, window tokens) pairs whose window tokens are the same with and without the snippets."""
    rng = np.random.default_rng(seed)
    sizes = np.array([len(text) for text in repository.texts], dtype=np.float64)
    samples: list[tuple[list[int], list[int]]] = []
    for _ in range(100 * count):
        if len(samples) == count:
            break
        doc = int(rng.choice(sizes.size, p=sizes / sizes.sum()))
        text = repository.texts[doc]
        start = text.find("\n", int(rng.integers(0, len(text)))) + 1
        window = text[start : start + WINDOW_CHARS]
        if len(window.strip()) < 200:
            continue
        context = repository.context(doc, window, rng, SNIPPET_CHARS)
        if not context:
            continue
        split = split_tokens(encode, context, window)
        if split is None:
            continue
        snippets, tokens = split
        alone = encode(window)
        scored = min(len(tokens), len(alone), length - len(snippets) - 1, MAX_SCORED)
        if scored <= SKIPPED or tokens[SKIPPED:scored] != alone[SKIPPED:scored]:
            continue
        samples.append((snippets, tokens[:scored]))
    return samples


@torch.no_grad()
def window_loss(model: GrokModel, prefix: list[int], window: list[int]) -> float:
    """Mean negative log-likelihood of `window[SKIPPED:]` after `[BOS] + prefix + window[:i]`."""
    sequence = [BOS, *prefix, *window]
    logits, _ = model(torch.tensor([sequence]))
    log_probs = F.log_softmax(logits[0, :-1].float(), dim=-1)
    losses = -log_probs.gather(1, torch.tensor(sequence[1:])[:, None])[:, 0]
    first = len(prefix) + SKIPPED
    return losses[first : len(prefix) + len(window)].mean().item()


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoints", type=Path, nargs="+", help="model.safetensors files (a run's, a milestone's)")
    parser.add_argument("--config", type=Path, default=here / "configs" / "rook-moe-mini.json")
    parser.add_argument("--data", type=Path, default=here / "data", help="folder with eval.jsonl and tokenizer.model")
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--seed", type=int, default=777)
    args = parser.parse_args()

    torch.set_num_threads(1)
    config = GrokConfig.from_json(json.loads(args.config.read_text()))
    with (args.data / "eval.jsonl").open(encoding="utf-8") as lines:
        documents = sum(1 for _ in lines)
    repository = Repository(args.data / "eval.jsonl", documents)
    encode = sentencepiece.SentencePieceProcessor(model_file=str(args.data / "tokenizer.model")).encode
    samples = held_out_samples(repository, encode, args.samples, config.max_position_embeddings, args.seed)
    for checkpoint in args.checkpoints:
        model = GrokModel(config)
        tensors, metadata = load_safetensors(checkpoint)
        model.load_state_dict({name.removeprefix("model."): t for name, t in tensors.items()})
        model.eval()
        with_snippets = float(np.mean([window_loss(model, snippets, window) for snippets, window in samples]))
        without = float(np.mean([window_loss(model, [], window) for _, window in samples]))
        print(json.dumps({"checkpoint": str(checkpoint), "step": metadata.get("step"), "samples": len(samples),
                          "loss_with_snippets": round(with_snippets, 4), "loss_without": round(without, 4), "gain": round(without - with_snippets, 4)}))


if __name__ == "__main__":
    main()
