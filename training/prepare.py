"""Tokenizes the corpus splits into compressed token arrays that training reads (and that travel to a GPU machine).

Why a separate step: tokenizing is done once, and the arrays (`np.savez_compressed`, uint16 tokens plus document
offsets) are small enough to copy, so a run is reproducible from them alone. The SentencePiece model used here
gives the same ids as tokenizer.json in @huggingface/tokenizers (checked by test/model/tokenizer.test.ts on the
shipped tokenizer), so training sees what the engine will feed the model.

Each document is stored without BOS/EOS; training adds them (and the FIM tokens) when it builds a sample.
The output records the SHA-256 of the corpus manifest and of the tokenizer, so a checkpoint names its data.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import sentencepiece as spm

LANGS = ("ts", "js", "py")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tokenize_split(sp: spm.SentencePieceProcessor, corpus: Path, max_tokens: int) -> dict[str, np.ndarray]:
    """Tokens of whole documents in corpus order until `max_tokens`, with `[start, end)` offsets and language ids."""
    tokens, starts, langs = [], [0], []
    total = 0
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            document = json.loads(line)
            ids = sp.encode(document["text"])
            tokens.append(np.asarray(ids, dtype=np.uint16))
            total += len(ids)
            starts.append(total)
            langs.append(LANGS.index(document["lang"]))
            if total >= max_tokens:
                break
    return {"tokens": np.concatenate(tokens), "offsets": np.asarray(starts, dtype=np.int64), "langs": np.asarray(langs, dtype=np.uint8)}


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=here / "data", help="folder with train.jsonl, eval.jsonl, tokenizer.model")
    parser.add_argument("--manifest", type=Path, default=here / "corpus-manifest.json")
    parser.add_argument("--max-train-tokens", type=int, default=40_000_000)
    parser.add_argument("--max-eval-tokens", type=int, default=300_000, help="held-out tokens for validation loss")
    args = parser.parse_args()

    sp = spm.SentencePieceProcessor(model_file=str(args.data / "tokenizer.model"))
    provenance = {"manifest_sha256": sha256(args.manifest), "tokenizer_sha256": sha256(args.data / "tokenizer.json")}
    for split, limit in (("train", args.max_train_tokens), ("eval", args.max_eval_tokens)):
        arrays = tokenize_split(sp, args.data / f"{split}.jsonl", limit)
        out = args.data / f"{split}-tokens.npz"
        np.savez_compressed(out, **arrays, provenance=np.asarray(json.dumps(provenance)))
        print(json.dumps({"split": split, "documents": len(arrays["langs"]), "tokens": int(arrays["tokens"].size), "file_bytes": out.stat().st_size}))


if __name__ == "__main__":
    main()
