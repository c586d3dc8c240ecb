"""Training samples from the token arrays: plain left-to-right windows and fill-in-the-middle rearrangements.

Why token-level FIM: the prefix, middle and suffix are cut at token boundaries of the whole document, which is
how the engine presents them too (it tokenizes prefix and suffix separately, and code cursors usually sit at
token boundaries). Formats, with `<s>` first as the engine's prompts have it:
  PSM: <s> <fim_prefix> P <fim_suffix> S <fim_middle> M <|endoftext|>
  SPM: <s> <fim_suffix> S <fim_prefix> P <fim_middle> M <|endoftext|>
The middle is a uniform random span (as in Bavarian et al. 2022), a short one (up to `short_middle` tokens), or,
where the tokenizer's line break is known (`newline`), cut at lines the way editor completions are: the rest of a
line from a token inside it, or one to five whole lines from a line start (the middle then ends before the line
break that follows it, as the editor's suffix starts with that line break). Since 2026-12-06 (step 8,076) a
third of FIM samples are line-cut: with random spans only, the model at a line start often went on as if inside
a line (`(klass, {` after `forEach(p => {\n`), and line cuts are what `rook eval` and the editor ask for.
Since 2026-12-07 (step 10,150) a share of samples (`repository_rate`) first carry snippets of the document's package's
other files, as the sidecar's retrieval lays them out (`repository.py`); the snippets are context, not targets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from repository import Repository, split_tokens

PAD, BOS, EOS = 0, 1, 2
FIM_PREFIX, FIM_SUFFIX, FIM_MIDDLE = 4, 5, 6
IGNORE = -100


@dataclass
class SampleSpec:
    length: int
    fim_rate: float = 0.5
    spm_rate: float = 0.5
    short_middle: int = 48
    newline: int | None = None
    line_rate: float = 1 / 3
    max_lines: int = 5
    repository_rate: float = 0.0


class SampleSource:
    def __init__(self, tokens: np.ndarray, offsets: np.ndarray, spec: SampleSpec, seed: int,
                 repository: Repository | None = None, encode: Callable[[str], list[int]] | None = None):
        self.tokens, self.offsets, self.spec = tokens, offsets, spec
        self.repository, self.encode = repository, encode
        self.rng = np.random.default_rng(seed)
        lengths = np.diff(offsets)
        self.weights = lengths / lengths.sum()

    def document_window(self, size: int) -> tuple[list[int], bool, bool]:
        """Up to `size` consecutive tokens of one document (picked in proportion to length), and whether the
        window starts and ends with the document."""
        doc = self.rng.choice(len(self.weights), p=self.weights)
        start, end = int(self.offsets[doc]), int(self.offsets[doc + 1])
        if end - start > size:
            start = int(self.rng.integers(start, end - size + 1))
            end = start + size
        return self.tokens[start:end].tolist(), start == int(self.offsets[doc]), end == int(self.offsets[doc + 1])

    def plain(self) -> list[int]:
        """A left-to-right window; documents shorter than the context are packed one after another."""
        out: list[int] = []
        while len(out) < self.spec.length + 1:
            window, at_start, at_end = self.document_window(self.spec.length + 1)
            out += ([BOS] if at_start else []) + window + ([EOS] if at_end else [])
        return out[: self.spec.length + 1]

    def fim(self) -> list[int]:
        window, _, _ = self.document_window(self.spec.length - 5)
        return self.fim_sequence(window)[0]

    def fim_sequence(self, window: list[int], context: int = 0) -> tuple[list[int], tuple[int, int]]:
        """`window` as a FIM sample; its first `context` tokens (repository context) stay at the prefix's start and
        the middle is cut from the rest. Returns the sample and where the context tokens lie in it."""
        body = window[context:]
        n = len(body)
        lines = self.spec.newline is not None and self.rng.random() < self.spec.line_rate
        span = self.line_span(body) if lines else None
        if span is not None:
            a, b = span
        elif self.rng.random() < 0.5:
            a, b = sorted(self.rng.integers(0, n + 1, size=2))
        else:
            size = int(self.rng.integers(1, min(self.spec.short_middle, n) + 1))
            a = int(self.rng.integers(0, n - size + 1))
            b = a + size
        a, b = a + context, b + context
        prefix, middle, suffix = window[:a], window[a:b], window[b:]
        if self.rng.random() < self.spec.spm_rate:
            head, context_start = [BOS, FIM_SUFFIX, *suffix, FIM_PREFIX, *prefix], len(suffix) + 3
        else:
            head, context_start = [BOS, FIM_PREFIX, *prefix, FIM_SUFFIX, *suffix], 2
        return head + [FIM_MIDDLE, *middle, EOS], (context_start, context_start + context)

    def repository_sample(self) -> tuple[list[int], tuple[int, int]] | None:
        """A window of a document from a line start, after snippets of its package's other files laid out as the
        sidecar lays out retrieved chunks (`repository.py`); half left to right, half FIM. Returns the sample and
        where the snippets' tokens lie in it (they are context, not trained on), or None where no sibling file
        shares a name with the window."""
        assert self.repository is not None and self.encode is not None
        doc = int(self.rng.choice(len(self.weights), p=self.weights))
        text = self.repository.texts[doc]
        start = text.find("\n", int(self.rng.integers(0, len(text)))) + 1 if self.rng.random() < 0.8 else 0
        window_text = text[start : start + 6 * self.spec.length]
        if not window_text.strip():
            return None
        context_text = self.repository.context(doc, window_text, self.rng, int(self.rng.integers(150, 700)))
        if not context_text:
            return None
        split = split_tokens(self.encode, context_text, window_text)
        if split is None:
            return None
        context, window_tokens = split
        tokens = context + window_tokens
        whole = start + len(window_text) == len(text)
        if self.rng.random() < 0.5:
            body = tokens[: self.spec.length]
            sequence = [BOS, *body] + ([EOS] if whole and len(body) == len(tokens) else [])
            return sequence[: self.spec.length + 1], (1, 1 + len(context))
        window = tokens[: self.spec.length - 5]
        if len(window) - len(context) < 4:
            return None
        return self.fim_sequence(window, len(context))

    def line_span(self, window: list[int]) -> tuple[int, int] | None:
        """A middle cut at lines: half the time the rest of a line from a token inside it, else 1 to `max_lines`
        whole lines from a line start; both end before a line break. None where the window has no line break."""
        breaks = [i for i, token in enumerate(window) if token == self.spec.newline]
        if not breaks:
            return None
        if self.rng.random() < 0.5:
            line = int(self.rng.integers(0, len(breaks)))
            end = breaks[line]
            line_start = breaks[line - 1] + 1 if line > 0 else 0
            if end == line_start:
                return None
            return int(self.rng.integers(line_start, end)), end
        first = int(self.rng.integers(0, len(breaks)))
        start = breaks[first] + 1
        later = breaks[first + 1 : first + 1 + int(self.rng.integers(1, self.spec.max_lines + 1))]
        if not later:
            return None
        return start, later[-1]

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Inputs `[size, length]` and targets (IGNORE after a FIM sample's end and on repository context)."""
        inputs = np.full((size, self.spec.length), PAD, dtype=np.int64)
        targets = np.full((size, self.spec.length), IGNORE, dtype=np.int64)
        for row in range(size):
            sample = self.repository_sample() if self.repository is not None and self.rng.random() < self.spec.repository_rate else None
            sequence, (context_start, context_end) = sample or (self.fim() if self.rng.random() < self.spec.fim_rate else self.plain(), (0, 0))
            n = len(sequence) - 1
            inputs[row, :n] = sequence[:-1]
            targets[row, :n] = sequence[1:]
            targets[row, max(0, context_start - 1) : max(0, context_end - 1)] = IGNORE
        return inputs, targets
