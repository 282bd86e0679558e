#!/usr/bin/env python3
"""Writes src/test/resources/dev/clipmatch/tokenizer/edge_cases.jsonl: edge-case texts with the ids the original
tokenizer gives them (tools/bench_tokenizer_peer.py), for ClipTokenizerEdgeCaseTest. The first line records the versions.

Usage: python3 tools/bench_tokenizer_fixtures.py [--vocab PATH]
"""
import argparse
import json
import os
import sys

import ftfy
import regex

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_tokenizer_peer as peer  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "src", "test", "resources", "dev", "clipmatch", "tokenizer", "edge_cases.jsonl")

CASES = [
    ("empty", ""),
    ("whitespace only", " \t\n\u3000\u00a0 "),
    ("emoji", "emoji \U0001f600\U0001f431\U0001f680"),
    ("emoji ZWJ family and flag", "\U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f1fa\U0001f1f8 \u2764\ufe0f"),
    ("CJK", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \ud55c\uad6d\uc5b4 \u4e2d\u6587"),
    ("accents composed", "caf\u00e9 na\u00efve r\u00e9sum\u00e9"),
    ("accents decomposed (NFC)", "cafe\u0301 nai\u0308ve re\u0301sume\u0301"),
    ("accents upper", "\u00c9COLE \u00c5NGSTR\u00d6M"),
    ("digits", "numbers 12345 and 3.14159 and 1,000,000"),
    ("other digits and numbers", "\u0663\u0664 \u00bd \u00b2 \u2160 \u2460 \U0001d7ce"),
    ("apostrophe straight", "don't it's we'll they're I'm you've he'd"),
    ("apostrophe capital", "DON'T IT'S WE'LL"),
    ("apostrophe right single quote", "don\u2019t it\u2019s we\u2019ll"),
    ("apostrophe left single quote", "don\u2018t it\u2018s"),
    ("apostrophe modifier letter", "don\u02bct it\u02bcs"),
    ("apostrophe reversed high", "don\u201bt"),
    ("apostrophe fullwidth", "don\uff07t it\uff07s"),
    ("apostrophe grave and acute", "don`t don\u00b4t"),
    ("apostrophe prime", "don\u2032t"),
    ("apostrophes doubled", "''s rock 'n' roll"),
    ("double quotes curly", "\u201cquoted\u201d \u201equote\u201f"),
    ("html amp", "Texas A&amp;M football player"),
    ("html lt", "I&lt;3NY shirt"),
    ("html double escaped", "fish &amp;amp; chips &amp;lt;b&amp;gt;"),
    ("html numeric", "it&#39;s &#x27;quoted&#x27; &#8217;"),
    ("html named accents", "caf&eacute; &EACUTE;COLE &nbsp;space &hellip;"),
    ("html legacy without semicolon", "&copy 2020 &amp more"),
    ("html with a tag (ftfy leaves entities, html.unescape does not)", "<b>bold</b> &amp; &EACUTE;"),
    ("html tag on an earlier line turns ftfy's unescaping off", "a <b>\n&EACUTE; &amp;"),
    ("ligatures and fullwidth", "\ufb01ne \ufb02ower \uff21\uff22\uff23 \uff11\uff12"),
    ("C1 and control characters", "a\x85b \x91quoted\x92 c\x00d\x0be\x7f"),
    ("terminal escapes", "\x1b[31mred\x1b[0m text"),
    ("line and paragraph separators", "one\u2028two\u2029three\r\nfour\rfive"),
    ("Greek final sigma", "\u039f\u0394\u039f\u03a3 \u03a3\u039f\u03a6\u0399\u0391 \u03a3 \u039f\u03a3'"),
    ("Turkish dotted I", "\u0130STANBUL \u0130"),
    ("German sharp s", "STRA\u1e9eE stra\u00dfe"),
    ("special tokens literal", "<|startoftext|>a<|endoftext|> <|ENDOFTEXT|>"),
    ("special token with long s is not special", "<|\u017ftartoftext|>"),
    ("contraction with long s", "it'\u017f"),
    ("special token inside symbols", "!<|endoftext|>"),
    ("symbols and punctuation", "#hashtag @mention $money 100% a+b=c ... -- \u2014 \u00a9"),
    ("url", "http://example.com/path?x=1"),
    ("long word", "pneumonoultramicroscopicsilicovolcanoconiosis" * 3),
    # ftfy's mojibake repair (fix_encoding)
    ("mojibake Latin-1", "caf\u00c3\u00a9 na\u00c3\u00afve"),
    ("mojibake Windows-1252 quotes", "\u00e2\u20ac\u0153quoted\u00e2\u20ac\u009d and it\u00e2\u20ac\u2122s"),
    ("mojibake twice", "The Mona Lisa doesn\u00c3\u0192\u00c2\u00a2\u00c3\u00a2\u00e2\u20ac\u0161\u00c2\u00ac\u00c3\u00a2\u00e2\u201e\u00a2t have eyebrows."),
    ("mojibake with A0 lost to a space", "\u00c3  la carte"),
    ("mojibake lossy", "\u00e2\u20ac\u0153 like this \u00e2\u20ac\ufffd"),
    ("mojibake Cyrillic as Windows-1252", "\u00d0\u0178\u00d1\u20ac\u00d0\u00b8\u00d0\u00b2\u00d0\u00b5\u00d1\u201a"),
    ("mojibake MacRoman", "\u221a\u00a9t\u221a\u00a9"),
    ("mojibake embedded in clean text", "Pok\u00e9mon cards \u00e2\u20ac\u201d caf\u00c3\u00a9"),
    ("Latin-1 C1 read as Windows-1252", "\u0093quoted\u0094 \u0085"),
    ("real accents are not mojibake", "\u00c5ngstr\u00f6m \u00e0 la carte, S\u00e3o Paulo, \u00c3 propos"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_vocab = os.path.join(REPO, "..", "shared", "data", "clip", "bpe_simple_vocab_16e6.txt.gz")
    ap.add_argument("--vocab", default=default_vocab)
    args = ap.parse_args()
    tokenizer = peer.make_tokenizer(args.vocab)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        meta = {"generator": "tools/bench_tokenizer_fixtures.py", "python": sys.version.split()[0],
                "open_clip_torch": peer.open_clip_version(), "ftfy": ftfy.__version__, "regex": regex.__version__}
        f.write(json.dumps({"_meta": meta}) + "\n")
        for name, text in CASES:
            ids = peer.encode_with_specials(tokenizer, text)
            f.write(json.dumps({"name": name, "text": text, "ids": ids}, ensure_ascii=True) + "\n")
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
