"""Repository context for training samples: lines of a document's sibling files (same package), laid out as the
sidecar lays out retrieved chunks in a completion prompt, so the model learns to copy names from them.

Why: the sidecar puts chunks of the workspace's other files before the prefix, as line comments headed
`Compare this snippet from PATH:` (`server/completion/snippets.ts`), and cuts each to its lines from the first that
names a term of the query (`server/completion/retrieval.ts`). A model that never saw that layout in training
ignored it: `rook eval`'s cross-file cases scored no better with retrieval than without (#19). Here the sibling
chunks are chosen by the names they share with the window being trained on (the names the model will need),
within the few hundred characters the embedded model's prompt budget leaves retrieval.
The chunks are chosen by the names of the whole window, a little more than the sidecar's query (the lines above the
cursor) can see: this teaches the layout and the copying; the ranking at inference is the index's.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

LANGS = ("ts", "js", "py")
CHUNK_LINES, STRIDE_LINES = 24, 16
# Files read per sample, and lines of each, bound the work a sample costs on a package of thousands of files.
NEIGHBOURS, FAR_FILES, MAX_FILE_LINES = 4, 4, 400
IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{3,}")
# Names every file of a language shares say nothing about which sibling is relevant.
COMMON = frozenset(
    "self this return function const import from export default class async await None True False null undefined "
    "true false while elif else typeof instanceof require module exports string number boolean void interface "
    "extends implements static public private protected readonly lambda yield raise except finally assert print "
    "type value args kwargs object super init name data result error options".split()
)


def identifiers(text: str) -> set[str]:
    return {name for name in IDENTIFIER.findall(text) if name not in COMMON}


def comment_prefix(lang: str) -> str:
    return "#" if lang == "py" else "//"


def split_tokens(encode, context: str, window: str) -> tuple[list[int], list[int]] | None:
    """The tokens of `context + window` as the context's and the window's, or None where the tokenizer merges
    tokens across the boundary (the caller then skips the sample)."""
    snippets, together = encode(context), encode(context + window)
    return (snippets, together[len(snippets) :]) if together[: len(snippets)] == snippets else None


def format_block(path: str, text: str, lang: str) -> str:
    """One snippet as `formatSnippets` writes it for the document's language."""
    comment = comment_prefix(lang)
    body = [f"{comment} {line}" for line in text.split("\n")]
    return "\n".join([f"{comment} Compare this snippet from {path}:", *body]) + "\n"


class Repository:
    """The corpus's documents as text, by package: line `i` of the JSONL file is document `i` of the token arrays."""

    def __init__(self, corpus: Path, documents: int):
        self.texts: list[str] = []
        self.paths: list[str] = []
        self.langs: list[str] = []
        members: dict[str, list[int]] = defaultdict(list)
        with corpus.open(encoding="utf-8") as lines:
            for index, line in enumerate(lines):
                if index >= documents:
                    break
                document = json.loads(line)
                self.texts.append(document["text"])
                self.paths.append(document["path"])
                self.langs.append(document["lang"])
                members[document["package"]].append(index)
        if len(self.texts) != documents:
            raise ValueError(f"{corpus} has {len(self.texts)} documents where the token arrays have {documents}: rebuild them with prepare.py")
        self.package_of = np.zeros(documents, dtype=np.int64)
        self.members: list[np.ndarray] = []
        for package, indexes in enumerate(members.values()):
            self.members.append(np.asarray(indexes, dtype=np.int64))
            self.package_of[indexes] = package
        self.chunk_cache: dict[int, list[tuple[int, set[str]]]] = {}

    def candidates(self, document: int, rng: np.random.Generator) -> np.ndarray:
        """Other files of the document's package to look in: its neighbours in corpus order (the corpus walks a
        package's folders in order, so mostly the same folder), and a few from anywhere in the package."""
        family = self.members[self.package_of[document]]
        at = int(np.searchsorted(family, document))
        near = family[max(0, at - NEIGHBOURS) : at + NEIGHBOURS + 1]
        far = rng.choice(family, size=min(FAR_FILES, family.size), replace=False)
        chosen = np.unique(np.concatenate([near, far]))
        return chosen[chosen != document]

    def chunks(self, document: int) -> list[tuple[int, set[str]]]:
        """(first line, identifiers) of the document's chunks, as the workspace index cuts them (by line count)."""
        cached = self.chunk_cache.get(document)
        if cached is None:
            lines = self.texts[document].split("\n")[:MAX_FILE_LINES]
            cached = [(first, identifiers("\n".join(lines[first : first + CHUNK_LINES]))) for first in range(0, max(1, len(lines) - STRIDE_LINES), STRIDE_LINES)]
            if len(self.chunk_cache) > 20_000:
                self.chunk_cache.clear()
            self.chunk_cache[document] = cached
        return cached

    def context(self, document: int, window: str, rng: np.random.Generator, max_chars: int) -> str:
        """Up to two snippets of sibling files that name what `window` names, within `max_chars` of snippet text
        (headings not counted, as in the sidecar's budget); empty where no sibling shares a name."""
        candidates = self.candidates(document, rng)
        wanted = identifiers(window)
        if candidates.size == 0 or not wanted:
            return ""
        chunks = [(int(sibling), first, names & wanted) for sibling in candidates for first, names in self.chunks(int(sibling))]
        # Ranked as BM25 ranks them without length terms: a name few candidate chunks share says more.
        spread: dict[str, int] = defaultdict(int)
        for _, _, shared in chunks:
            for name in shared:
                spread[name] += 1
        scored = sorted(((sum(1 / spread[name] for name in shared), sibling, first) for sibling, first, shared in chunks if shared), reverse=True)
        blocks, used = [], 0
        for _, sibling, first in scored[: int(rng.integers(1, 3))]:
            lines = self.texts[sibling].split("\n")[first : first + CHUNK_LINES]
            start = next((i for i, line in enumerate(lines) if identifiers(line) & wanted), 0)
            kept, length = [], -1
            for line in lines[start:]:
                if used + length + 1 + len(line) > max_chars:
                    break
                kept.append(line)
                length += 1 + len(line)
            if not kept or not "".join(kept).strip():
                continue
            blocks.append(format_block(self.paths[sibling], "\n".join(kept), self.langs[document]))
            used += length
        return "".join(blocks)
