"""Near-duplicate files for the corpus: bottom-k MinHash sketches of word 5-grams, found through an inverted index.

Why by hand: datasketch, the usual library, is not packaged by Debian, and the build machine reaches only Debian's
and npm's registries. A bottom-k sketch (Broder 1997; Cohen 2007) needs a single hash function and `heapq`, so it
runs in plain Python at corpus speed. The shingle and the threshold follow BigCode's near-deduplication of The Stack
(5-grams, Jaccard 0.85). Words are hashed with crc32 and 5-grams as tuples of those integers: Python hashes ints and
tuples of ints the same way in every process, so the result does not depend on PYTHONHASHSEED.
"""
from __future__ import annotations

import heapq
import re
import zlib
from collections import Counter

WORD = re.compile(r"\w+")
SHINGLE_WORDS = 5
SKETCH_SIZE = 64
THRESHOLD = 0.85
# A shingle hash in more kept files than this is boilerplate (a licence header, a generated stub): it still counts
# in the Jaccard estimate but proposes no candidates, which keeps each lookup bounded.
COMMON_POSTING = 256


def sketch(text: str) -> tuple[int, ...]:
    """The SKETCH_SIZE smallest hashes of the text's word 5-grams (all of them for a short text)."""
    words = [zlib.crc32(word.encode()) for word in WORD.findall(text)]
    shingles = {hash(tuple(words[i:i + SHINGLE_WORDS])) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    return tuple(heapq.nsmallest(SKETCH_SIZE, shingles))


def jaccard(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Bottom-k estimate: the share of the union's smallest hashes that both sketches hold."""
    set_a, set_b = set(a), set(b)
    union = heapq.nsmallest(SKETCH_SIZE, set_a | set_b)
    return sum(1 for h in union if h in set_a and h in set_b) / len(union) if union else 1.0


class NearDuplicates:
    """Kept files' sketches; `check` says whether a new text nearly duplicates one of them, and keeps it if not."""

    def __init__(self) -> None:
        self.sketches: list[tuple[int, ...]] = []
        self.postings: dict[int, list[int]] = {}

    def check(self, text: str) -> int | None:
        """The index of the kept file the text nearly duplicates, or None after keeping the text."""
        new = sketch(text)
        shared: Counter[int] = Counter()
        for h in new:
            posting = self.postings.get(h)
            if posting and len(posting) <= COMMON_POSTING:
                shared.update(posting)
        # At Jaccard 0.85 most of the union's smallest hashes are in both sketches, so candidates share many.
        for kept, count in shared.most_common():
            if count < len(new) // 4:
                break
            if jaccard(new, self.sketches[kept]) >= THRESHOLD:
                return kept
        index = len(self.sketches)
        self.sketches.append(new)
        for h in new:
            self.postings.setdefault(h, []).append(index)
        return None
