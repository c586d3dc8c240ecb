"""Reads and writes safetensors files (F32) without the `safetensors` package, which Debian does not ship.

Why here: checkpoints must be in the exact format and tensor names that Rook's builder (server/model/build.ts)
reads, so a training checkpoint is directly buildable into model.onnx.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import torch


def save_safetensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    header: dict[str, object] = {"__metadata__": metadata} if metadata else {}
    chunks, offset = [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().cpu().float().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    encoded = json.dumps(header).encode()
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        out.write(struct.pack("<Q", len(encoded)))
        out.write(encoded)
        for chunk in chunks:
            out.write(chunk)
    tmp.replace(path)  # a reader never sees a half-written checkpoint


def load_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    metadata = header.pop("__metadata__", {})
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, expected F32")
        begin, end = entry["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(raw[base + begin : base + end], dtype="<f4").reshape(entry["shape"]).copy())
    return tensors, metadata
