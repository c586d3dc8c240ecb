"""Draws the training and held-out loss curves as a PNG (matplotlib, headless)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)


def plot_loss(history: list[dict], out: Path, title: str) -> None:
    if not history:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([h["tokens"] / 1e6 for h in history], [h["loss"] for h in history], label="train (batch)", linewidth=0.8)
    held_out = [h for h in history if "val_loss" in h]
    ax.plot([h["tokens"] / 1e6 for h in held_out], [h["val_loss"] for h in held_out], "o-", label="held-out packages")
    ax.set_xlabel("training tokens (millions)")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
