#!/usr/bin/env python3
"""Differential check of `clipmatch tokenize` against the original tokenizer (tools/bench_tokenizer_peer.py) on
random strings built from the characters that exercise the cleaning and splitting rules, and on every caption of
the shared caption sets. Prints counts; mismatches are listed with what ftfy did to the text (its mojibake repair,
fix_encoding, is the most heuristic part, so differences there are counted separately).

Usage: python3 tools/bench_tokenizer_parity.py [--vocab PATH] [--random N] [--seed S]   (after mvn package)
"""
import argparse
import json
import os
import random
import subprocess
import sys

import ftfy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_tokenizer_peer as peer  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("CLIPMATCH_TEST_DATA", os.path.join(REPO, "..", "shared", "data"))

PIECES = [
    # plain words, digits, punctuation, contractions (straight and curly), the specials
    "a", "dog", "Cat", "MAN", " ", "  ", "\t", "1", "42", "3.14", ",", ".", "!", "?", "-", "--", "...", "'s", "'t",
    "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "\u2019s", "\u2018", "\u201c", "\u201d", "\u02bc", "\u201b", "\u201f",
    "<|startoftext|>", "<|endoftext|>", "<|ENDOFTEXT|>", "<|\u017ftartoftext|>", "\u017f", "'\u017f", "<", ">", "|",
    # HTML: named, numeric, legacy without ';', nested, all-caps, invalid
    "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x27;", "&#X41;", "&amp;amp;", "&amp;lt;", "&amp", "&lt", "&notit;",
    "&not", "&EACUTE;", "&NTILDE;", "&Eacute;", "&#0;", "&#128;", "&#x9c;", "&#55296;", "&#1114112;", "&#65", "&#x;",
    "&hellip;", "&nbsp;", "&copy", "&", "&#", "&;", "&ZZZ;", "&#1;", "&#xfffe;",
    # ftfy: ligatures, widths, C1 controls, control characters, terminal escapes, line-ish breaks, BOM
    "\ufb01", "\ufb00", "\ufb05", "\u0133", "\u01c4", "\u0149", "\uff21\uff22\uff23", "\uff41", "\uff11", "\u3000",
    "\uff9e", "\uff76\uff9e", "\x85", "\x80", "\x91", "\x9d", "\x0b", "\x0c", "\x1c", "\x1f", "\x7f", "\x00", "\x1b[31m",
    "\x1b[0m", "\x1b[\u0663m", "\x1b", "\u2028", "\u2029", "\ufeff", "\u206a", "\ufff9", "\ufffc", "\u200b", "\u200d",
    # accents, NFC, Turkish and Greek casing, other scripts, emoji, astral letters and digits
    "caf\u00e9", "cafe\u0301", "e\u0301", "\u0301", "na\u00efve", "\u00c5", "A\u030a", "\u0130", "I", "\u03a3",
    "\u039f\u0394\u03a3", "\u03c3", "\u1e9e", "\u00df", "\u212a", "\u2126", "\u01c5", "\u0345", "\u65e5\u672c\u8a9e",
    "\u30c6\u30ad\u30b9\u30c8", "\ud55c\uad6d\uc5b4", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\u0939\u093f\u0928\u094d\u0926\u0940",
    "\U0001f600", "\U0001f431", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f1fa\U0001f1f8", "\u2764\ufe0f",
    "\U0001d400", "\U0001d7ce", "\u0663", "\u00bd", "\u2160", "\u00b2", "\u2460", "\u00a0", "\u2007", "\u202f",
    "\u00ad", "\u2013", "\u2014", "\u00a9", "\u20ac", "\u00ae", "\u00b7", "\U00010400", "\U000e0041",
]


# ftfy's fix_encoding steps as fix_and_explain names them (fix_c1_controls, which is implemented, is a "transcode" too).
MOJIBAKE_STEPS = {"transcode:restore_byte_a0", "transcode:replace_lossy_sequences", "apply:decode_inconsistent_utf8"}


def random_texts(n, seed):
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12))) for _ in range(n)]


MOJIBAKE_SOURCES = [
    "caf\u00e9", "na\u00efve", "\u00e0 la carte", "\u201cquoted\u201d", "it\u2019s", "\u2014", "\u2026", "\u00a0", "\u20ac5",
    "\u041f\u0440\u0438\u0432\u0435\u0442", "\u0395\u03bb\u03bb\u03ac\u03b4\u03b1", "\u65e5\u672c", "\U0001f600",
    "\u00fc\u00f6\u00e4\u00df", "\u0142\u00f3d\u017a", "\u00c5ngstr\u00f6m", "\u2122", "\u00bd", " ", "a", "dog", "."]
MOJIBAKE_ENCODINGS = ["latin-1", "windows-1252", "windows-1251", "windows-1250", "windows-1253", "iso-8859-2",
                      "macroman", "cp437"]


def mojibake_texts(n, seed):
    """Text encoded as UTF-8 and decoded with a single-byte encoding (sometimes twice, with A0 as a space, with
    lossy U+FFFD, or mixed with clean text): what ftfy's fix_encoding exists for."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = "".join(rng.choice(MOJIBAKE_SOURCES) for _ in range(rng.randint(1, 6)))
        for _ in range(rng.choice([1, 1, 1, 2])):
            text = text.encode("utf-8").decode(rng.choice(MOJIBAKE_ENCODINGS), errors="replace")
        if rng.random() < 0.2:
            text = text.replace("\u00a0", " ")
        if rng.random() < 0.3:
            text = rng.choice(MOJIBAKE_SOURCES) + " " + text + " " + rng.choice(MOJIBAKE_SOURCES)
        out.append(text)
    return out


def caption_texts():
    texts = []
    for rel in ("flickr30k/flickr30k_karpathy_test.json", "coco/coco_karpathy_test5k.json"):
        with open(os.path.join(DATA, rel), encoding="utf-8") as f:
            for item in json.load(f):
                texts.extend(item["captions"])
    with open(os.path.join(DATA, "flickr8k/Flickr8k.token.txt"), encoding="utf-8") as f:
        texts.extend(line.rstrip("\n").split("\t", 1)[1] for line in f if "\t" in line)
    return texts


def java_ids(texts, vocab):
    classpath = os.path.join(REPO, "target", "classes") + ":" + open(os.path.join(REPO, "target", "classpath.txt")).read().strip()
    payload = "".join(t + "\n" for t in texts).encode("utf-8", "surrogatepass")
    run = subprocess.run(["java", "-cp", classpath, "dev.clipmatch.cli.Main", "tokenize", "--vocab", vocab,
                          "--context-length", "100000"], input=payload, capture_output=True, check=False)
    if run.returncode != 0:
        sys.exit("clipmatch tokenize failed: " + run.stderr.decode("utf-8", "replace"))
    return [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]


def ftfy_steps(text):
    return [step[0] + ":" + step[1] for step in (ftfy.fix_and_explain(text).explanation or [])]


def compare(name, texts, vocab, tokenizer):
    # Line mode cannot carry line breaks; the reference test covers texts with them.
    texts = [t.replace("\n", " ").replace("\r", " ") for t in texts]
    got = java_ids(texts, vocab)
    assert len(got) == len(texts), (len(got), len(texts))
    bad = []
    for text, ids in zip(texts, got):
        want = peer.encode_with_specials(tokenizer, text)
        if want != ids:
            bad.append((text, want, ids))
    mojibake = [b for b in bad if any(step in MOJIBAKE_STEPS or step.split(":")[0] in ("encode", "decode")
                                      for step in ftfy_steps(b[0]))]
    print(f"{name}: {len(texts)} texts, {len(bad)} differ ({len(mojibake)} where ftfy repaired mojibake)")
    for text, want, ids in [b for b in bad if b not in mojibake][:10]:
        print("  ", json.dumps(text), ftfy_steps(text), "\n     python", want, "\n     java  ", ids)
    return len(bad) - len(mojibake)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vocab", default=os.path.join(DATA, "clip", "bpe_simple_vocab_16e6.txt.gz"))
    ap.add_argument("--random", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    tokenizer = peer.make_tokenizer(args.vocab)
    unexplained = compare(f"random (seed {args.seed})", random_texts(args.random, args.seed), args.vocab, tokenizer)
    unexplained += compare(f"mojibake (seed {args.seed})", mojibake_texts(args.random, args.seed), args.vocab, tokenizer)
    unexplained += compare("captions (Flickr30K test, COCO 5K test, Flickr8k)", caption_texts(), args.vocab, tokenizer)
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
