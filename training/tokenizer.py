"""Trains Rook's code tokenizer (SentencePiece BPE with byte fallback) and writes it as a Hugging Face tokenizer.json.

Why SentencePiece and a hand-written conversion: python3-sentencepiece is the BPE trainer Debian ships, while the
engine tokenizes with @huggingface/tokenizers, which reads tokenizer.json. The conversion lays the vocabulary out
as server/model/synthetic.ts does (control tokens, 256 byte-fallback tokens `<0xNN>`, then pieces) and derives
the BPE merges from piece scores, as Hugging Face's own Llama converter does.

Choices for code: no text normalization, no dummy space prefix, whitespace runs allowed as pieces (indentation),
digits split. Lines are SentencePiece's sentences, so `\n` is never inside a learned piece: it is the byte token
<0x0A>. Special tokens (BOS, `<|endoftext|>`, FIM) are vocabulary entries that no merge produces and that are not
`added_tokens`, so text in a user's file can never turn into them; the engine inserts them by id.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

import sentencepiece as spm

SPECIAL_TOKENS = ["<pad>", "<s>", "<|endoftext|>", "<unk>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"]


def sample_lines(corpus: Path, max_bytes: int, seed: int) -> list[str]:
    """A deterministic sample of whole files from the train split, split into lines (SentencePiece sentences)."""
    documents = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8")]
    random.Random(seed).shuffle(documents)
    lines, size = [], 0
    for text in documents:
        if size >= max_bytes:
            break
        for line in text.split("\n"):
            if line.strip():
                lines.append(line)
                size += len(line) + 1
    return lines


def train_sentencepiece(lines: list[str], vocab_size: int) -> bytes:
    """The trained SentencePiece model file's bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        text_file = Path(tmp) / "lines.txt"
        text_file.write_text("\n".join(lines), encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(text_file),
            model_prefix=str(Path(tmp) / "rook"),
            model_type="bpe",
            vocab_size=vocab_size,
            character_coverage=0.9995,
            byte_fallback=True,
            normalization_rule_name="identity",
            remove_extra_whitespaces=False,
            add_dummy_prefix=False,
            allow_whitespace_only_pieces=True,
            split_digits=True,
            max_sentence_length=4096,
            pad_id=0,
            bos_id=1,
            eos_id=2,
            unk_id=3,
            pad_piece="<pad>",
            bos_piece="<s>",
            eos_piece="<|endoftext|>",
            unk_piece="<unk>",
            control_symbols=SPECIAL_TOKENS[4:],
            num_threads=2,
            minloglevel=2,
        )
        return (Path(tmp) / "rook.model").read_bytes()


def to_tokenizer_json(sp: spm.SentencePieceProcessor) -> dict:
    """The Hugging Face form: BPE over `▁`-for-space text, byte fallback, merges ordered by the merged piece's score."""
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    if pieces[: len(SPECIAL_TOKENS)] != SPECIAL_TOKENS:
        raise RuntimeError(f"unexpected special-token layout: {pieces[:len(SPECIAL_TOKENS)]}")
    vocab = {piece: i for i, piece in enumerate(pieces)}
    mergeable = {p: i for p, i in vocab.items() if sp.is_unused(i) is False and not sp.is_control(i) and not sp.is_byte(i) and not sp.is_unknown(i)}
    merges = []
    for merged, rank in mergeable.items():
        for cut in range(1, len(merged)):
            left, right = merged[:cut], merged[cut:]
            if left in mergeable and right in mergeable:
                merges.append((rank, mergeable[left], mergeable[right], f"{left} {right}"))
    merges.sort()
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
        "pre_tokenizer": None,
        "post_processor": None,
        "decoder": {
            "type": "Sequence",
            "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}],
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": True,
            "vocab": vocab,
            "merges": [m[3] for m in merges],
        },
    }


def special_token_ids(tokenizer: dict) -> dict[str, int]:
    vocab = tokenizer["model"]["vocab"]
    return {token: vocab[token] for token in SPECIAL_TOKENS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("--corpus", type=Path, default=here / "data" / "train.jsonl")
    parser.add_argument("--vocab-size", type=int, default=8192)
    parser.add_argument("--sample-bytes", type=int, default=30_000_000)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, default=here / "data" / "tokenizer.json")
    args = parser.parse_args()
    model = train_sentencepiece(sample_lines(args.corpus, args.sample_bytes, args.seed), args.vocab_size)
    args.out.with_suffix(".model").write_bytes(model)
    sp = spm.SentencePieceProcessor(model_proto=model)
    tokenizer = to_tokenizer_json(sp)
    args.out.write_text(json.dumps(tokenizer, ensure_ascii=False), encoding="utf-8")
    print(json.dumps({"vocab": len(tokenizer["model"]["vocab"]), "merges": len(tokenizer["model"]["merges"]), **special_token_ids(tokenizer)}))


if __name__ == "__main__":
    main()
