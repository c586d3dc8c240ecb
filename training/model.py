"""The Grok-1 decoder in PyTorch, with exactly the math of Rook's ONNX builder (server/model/arch/decoder.ts).

Why a separate module: training and export must agree with the engine to the last knob, so every knob is read
from the same `config.json` the engine reads (snake_case keys, same defaults as server/model/config.ts), and the
parameter names are the checkpoint names the builder expects (the Hugging Face Grok-1 port's), so a state dict
saved as safetensors is directly a Rook model.

  h = embed(ids) * embedding_multiplier_scale
  per layer: h += post_attn_norm(attn(pre_attn_norm(h)));  h += post_moe_norm(moe(pre_moe_norm(h)))
  attention: GQA, rotate-half RoPE, s = cap * tanh(q.k * scale / cap), causal softmax
  moe: p = softmax(x Wr^T) over all experts, top-k of p (renormalized only if configured), GeGLU experts
  logits = final_norm(h) E^T * output_multiplier_scale
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class GrokConfig:
    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    num_experts: int
    num_experts_per_tok: int
    intermediate_size: int
    max_position_embeddings: int
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    expert_activation: str = "geglu"
    gelu_approximation: str = "tanh"
    norm_placement: str = "sandwich"
    router_renormalize: bool = False
    embedding_multiplier_scale: float = 0.0  # 0: sqrt(hidden_size), as config.ts defaults it
    output_multiplier_scale: float = 0.5773502691896257
    attn_output_multiplier: float = 0.0  # 0: 1/sqrt(head_dim)
    max_attn_value: float = 30.0
    router_logit_softcap: float = 0.0
    tie_word_embeddings: bool = True

    def __post_init__(self) -> None:
        if not self.embedding_multiplier_scale:
            self.embedding_multiplier_scale = math.sqrt(self.hidden_size)
        if not self.attn_output_multiplier:
            self.attn_output_multiplier = 1 / math.sqrt(self.head_dim)
        if self.expert_activation != "geglu" or self.norm_placement != "sandwich" or not self.tie_word_embeddings:
            raise ValueError("training supports Grok-1's own knobs: geglu experts, sandwich norms, tied output")

    @classmethod
    def from_json(cls, data: dict) -> "GrokConfig":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class RMSNorm(nn.Module):
    """x / sqrt(mean(x^2) + eps) * scale, in float32 (ONNX SimplifiedLayerNormalization)."""

    def __init__(self, size: int, eps: float):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float()
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.scale


def rotary_tables(head_dim: int, positions: int, base: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin `[positions, head_dim/2]`, angle p * base^(-2i/head_dim), as rotaryCaches in layers.ts."""
    inv = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    angles = torch.arange(positions, dtype=torch.float64)[:, None] * inv[None, :]
    return angles.cos().float(), angles.sin().float()


def rotate_half(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Non-interleaved RoPE over the full head: the first half pairs with the second half."""
    first, second = x.chunk(2, dim=-1)
    return torch.cat([first * cos - second * sin, second * cos + first * sin], dim=-1)


class Attention(nn.Module):
    def __init__(self, c: GrokConfig):
        super().__init__()
        self.c = c
        self.q_proj = nn.Linear(c.hidden_size, c.num_attention_heads * c.head_dim, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * c.head_dim, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * c.head_dim, bias=False)
        self.o_proj = nn.Linear(c.num_attention_heads * c.head_dim, c.hidden_size, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        c = self.c
        batch, seq, _ = x.shape
        q = self.q_proj(x).view(batch, seq, c.num_attention_heads, c.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, seq, c.num_key_value_heads, c.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, seq, c.num_key_value_heads, c.head_dim).transpose(1, 2)
        q, k = rotate_half(q, cos, sin), rotate_half(k, cos, sin)
        group = c.num_attention_heads // c.num_key_value_heads
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-1, -2)) * c.attn_output_multiplier
        if c.max_attn_value > 0:
            scores = c.max_attn_value * torch.tanh(scores / c.max_attn_value)
        scores = scores.masked_fill(mask, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v
        return self.o_proj(out.transpose(1, 2).reshape(batch, seq, -1))


class Expert(nn.Module):
    """Grok's GeGLU expert: linear_1(gelu(x linear^T) * (x linear_v^T))."""

    def __init__(self, c: GrokConfig):
        super().__init__()
        self.linear = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.linear_v = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.linear_1 = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)
        self.approximate = c.gelu_approximation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_1(F.gelu(self.linear(x), approximate=self.approximate) * self.linear_v(x))


class MoeBlock(nn.Module):
    """Softmax router over all experts, top-k of the probabilities, sparse dispatch (as the ONNX graph does)."""

    def __init__(self, c: GrokConfig):
        super().__init__()
        self.c = c
        self.gate = nn.Linear(c.hidden_size, c.num_experts, bias=False)
        self.experts = nn.ModuleList(Expert(c) for _ in range(c.num_experts))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns the output and the load-balancing loss (Switch-style: experts * sum(fraction * mean prob))."""
        c = self.c
        tokens = x.reshape(-1, c.hidden_size)
        logits = self.gate(tokens)
        if c.router_logit_softcap > 0:
            logits = c.router_logit_softcap * torch.tanh(logits / c.router_logit_softcap)
        probs = torch.softmax(logits.float(), dim=-1)
        top_p, top_i = probs.topk(c.num_experts_per_tok, dim=-1)
        if c.router_renormalize:
            top_p = top_p / top_p.sum(-1, keepdim=True)
        out = torch.zeros_like(tokens)
        for e, expert in enumerate(self.experts):
            rows, slot = (top_i == e).nonzero(as_tuple=True)
            if rows.numel():
                out.index_add_(0, rows, expert(tokens[rows]) * top_p[rows, slot, None])
        fraction = F.one_hot(top_i, c.num_experts).float().sum(1).mean(0) / c.num_experts_per_tok
        balance = c.num_experts * (fraction * probs.mean(0)).sum()
        return out.view_as(x), balance


class Layer(nn.Module):
    def __init__(self, c: GrokConfig):
        super().__init__()
        self.pre_attn_norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.post_attn_norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.pre_moe_norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.post_moe_norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.attn = Attention(c)
        self.moe_block = MoeBlock(c)

    def forward(self, h, cos, sin, mask):
        h = h + self.post_attn_norm(self.attn(self.pre_attn_norm(h), cos, sin, mask))
        moe, balance = self.moe_block(self.pre_moe_norm(h))
        return h + self.post_moe_norm(moe), balance


class GrokModel(nn.Module):
    """Parameter names match decoderTensorNames in arch/decoder.ts once prefixed with `model.`."""

    def __init__(self, c: GrokConfig):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        cos, sin = rotary_tables(c.head_dim, c.max_position_embeddings, c.rope_theta)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Embedding std 1/sqrt(d) so that after the sqrt(d) multiplier activations start at unit scale."""
        std = 1 / math.sqrt(self.c.hidden_size)
        nn.init.normal_(self.embed_tokens.weight, std=std)
        for name, p in self.named_parameters():
            if p.dim() == 2 and "embed" not in name:
                nn.init.normal_(p, std=1 / math.sqrt(p.shape[1]))

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits `[batch, seq, vocab]` and the mean load-balancing loss over layers."""
        seq = ids.shape[1]
        cos, sin = self.cos[:seq], self.sin[:seq]
        mask = torch.ones(seq, seq, dtype=torch.bool, device=ids.device).triu(1)
        h = self.embed_tokens(ids) * self.c.embedding_multiplier_scale
        balance = h.new_zeros(())
        for layer in self.layers:
            h, b = layer(h, cos, sin, mask)
            balance = balance + b
        logits = (self.norm(h) @ self.embed_tokens.weight.t()) * self.c.output_multiplier_scale
        return logits, balance / len(self.layers)

    def checkpoint_tensors(self) -> dict[str, torch.Tensor]:
        """The state dict under the checkpoint names Rook's builder reads (`model.` prefix, no lm_head when tied)."""
        return {f"model.{name}": t.detach().float().contiguous() for name, t in self.state_dict().items()}

    def count_parameters(self) -> tuple[int, int]:
        """(total, active per token): active counts top-k of the experts."""
        total = sum(p.numel() for p in self.parameters())
        expert = sum(p.numel() for p in self.layers[0].moe_block.experts[0].parameters()) * len(self.layers)
        active = total - expert * (self.c.num_experts - self.c.num_experts_per_tok)
        return total, active
