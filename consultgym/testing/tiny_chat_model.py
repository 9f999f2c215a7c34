"""A tiny chat model built on the spot, for running real trainers on CPU without downloading anything.

`tiny_chat_model` trains a byte-level BPE tokenizer on the texts it is given (with `tokenizers`), gives it the
Qwen2.5 chat template that TRL ships (so TRL parses its tool calls), builds a randomly initialised Qwen2 of about a
million parameters, and, when given ``teach``, fits it on (prompt, completion) pairs until it says those completions:
a policy that calls a tool, for a trainer test that must see tool calls. Needs ``torch``, ``transformers``,
``tokenizers`` and ``trl`` (``pip install torch==2.13.0 'consultgym[trl]'``).

It is a test fixture, not a doctor: it knows only what it was taught.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from consultgym.integrations import require

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Qwen's markup words: ordinary added tokens, so decoding with skip_special_tokens keeps them for the tool parser.
STOP_LOSS = 0.003  # mean token loss at which the completions are learnt: sampling at temperature 1 repeats them
MARKUP = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<tools>", "</tools>"]


def tiny_chat_model(
    corpus: Sequence[str],
    teach: Sequence[tuple[str, str]] = (),
    *,
    vocab_size: int = 1024,
    hidden_size: int = 64,
    layers: int = 2,
    steps: int = 200,
    seed: int = 0,
) -> tuple[Any, Any]:
    """A (model, tokenizer) pair: a random tiny Qwen2 and a tokenizer trained on `corpus`, both on CPU.

    Args:
        corpus: texts the tokenizer learns its merges from (prompts, tool results, the completions to teach).
        teach: (prompt text, completion text) pairs, the prompt already rendered with the chat template; the model is
            fitted on the completion tokens until it reproduces them.
        vocab_size: the tokenizer's vocabulary size (at most).
        hidden_size: the model width; about 1M parameters at the defaults.
        layers: transformer layers.
        steps: at most this many optimisation steps when teaching (about 75 suffice for one completion).
        seed: seeds torch for the weights and the fitting.
    """
    torch = require("torch", "trl")
    transformers = require("transformers", "trl")
    tokenizers = require("tokenizers", "trl")
    chat_templates = require("trl.chat_template_utils", "trl")
    torch.manual_seed(seed)
    bpe = tokenizers.Tokenizer(tokenizers.models.BPE())
    bpe.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(list(corpus), trainer=trainer)
    bpe.add_tokens(MARKUP)
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", padding_side="left"
    )
    tokenizer.chat_template = chat_templates.qwen2_5_chat_template
    config = transformers.Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    model = transformers.Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    if teach:
        _fit(torch, model, tokenizer, teach, steps)
    model.eval()
    return model, tokenizer


def _fit(torch: Any, model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]], steps: int) -> None:
    """Fit the completions of `pairs` (the loss only on completion tokens), full batch, Adam, until learnt."""
    rows = []
    for prompt, completion in pairs:
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
        rows.append((prompt_ids + completion_ids, [-100] * len(prompt_ids) + completion_ids))
    width = max(len(ids) for ids, _ in rows)
    pad = tokenizer.pad_token_id
    input_ids = torch.tensor([[pad] * (width - len(ids)) + ids for ids, _ in rows])
    labels = torch.tensor([[-100] * (width - len(lab)) + lab for _, lab in rows])
    attention = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids, _ in rows])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(steps):
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        if loss.item() < STOP_LOSS:
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
