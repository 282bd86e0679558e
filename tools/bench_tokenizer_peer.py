#!/usr/bin/env python3
"""The Python peer of the tokenizer harness: the original CLIP tokenizer as the pip package open_clip_torch
ships it (open_clip/tokenizer.py, "copied from openai/CLIP"), with ftfy and regex.

open_clip's package __init__ pulls in torchvision and timm, which the tokenizer does not need, so the module is
loaded on its own from the installed package. open_clip renamed the special tokens to <start_of_text>/<end_of_text>
(same ids 49406/49407); `openai_compatible` restores openai/CLIP's names and split pattern, which only matters for
text that contains a special token literally.

Install: pip install --no-deps --index-url file:///opt/pypi/simple open_clip_torch   (needs torch, numpy, ftfy, regex)

Usage as a tool: python3 tools/bench_tokenizer_peer.py --vocab bpe_simple_vocab_16e6.txt.gz < texts.jsonl
  reads one JSON string per line and prints one JSON array of ids per line (start/end tokens, no padding).
"""
import argparse
import importlib.util
import json
import os
import sys

import regex


def load_open_clip_tokenizer_module():
    spec = importlib.util.find_spec("open_clip")  # locates the package without importing its __init__
    if spec is None:
        sys.exit("open_clip_torch is not installed (pip install --no-deps open_clip_torch from the local mirror)")
    path = os.path.join(list(spec.submodule_search_locations)[0], "tokenizer.py")
    module_spec = importlib.util.spec_from_file_location("open_clip_tokenizer", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def open_clip_version():
    from importlib.metadata import version
    return version("open_clip_torch")


def openai_compatible(tokenizer):
    """openai/CLIP's special-token names, cache and split pattern on an open_clip SimpleTokenizer."""
    sot, eot = tokenizer.sot_token_id, tokenizer.eot_token_id
    for name in ("<start_of_text>", "<end_of_text>"):
        tokenizer.encoder.pop(name, None)
    tokenizer.encoder["<|startoftext|>"] = sot
    tokenizer.encoder["<|endoftext|>"] = eot
    tokenizer.cache = {"<|startoftext|>": "<|startoftext|>", "<|endoftext|>": "<|endoftext|>"}
    tokenizer.pat = regex.compile(
        r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
        regex.IGNORECASE)
    return tokenizer


def make_tokenizer(vocab, openai_names=True):
    module = load_open_clip_tokenizer_module()
    tokenizer = module.SimpleTokenizer(bpe_path=vocab)
    return openai_compatible(tokenizer) if openai_names else tokenizer


def encode_with_specials(tokenizer, text):
    return [tokenizer.sot_token_id] + tokenizer.encode(text) + [tokenizer.eot_token_id]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vocab", required=True)
    args = ap.parse_args()
    tokenizer = make_tokenizer(args.vocab)
    out = sys.stdout
    for line in sys.stdin:
        if line.strip():
            out.write(json.dumps(encode_with_specials(tokenizer, json.loads(line))) + "\n")


if __name__ == "__main__":
    main()
