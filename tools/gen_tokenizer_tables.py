#!/usr/bin/env python3
"""Generates src/main/java/dev/clipmatch/tokenizer/PythonTables.java: the Unicode and HTML data that the
original CLIP tokenizer gets from Python (str.lower/isspace/strip, html.unescape), from the `regex` module
(the split pattern's \\p{L}, \\p{N}, \\s under IGNORECASE) and from ftfy (entities, width map, the badness and
UTF-8 detector patterns, the single-byte codec tables of its mojibake repair), so that the Java tokenizer does not
depend on the JVM's Unicode version and follows the exact versions that made the reference ids.

Usage: python3 tools/gen_tokenizer_tables.py > src/main/java/dev/clipmatch/tokenizer/PythonTables.java
"""
import html
import html.entities
import re
import sys
import unicodedata

import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers the sloppy-* codecs)
import ftfy.badness
import ftfy.chardata
import regex

try:
    import re._parser as sre_parse
except ImportError:  # Python < 3.11
    import sre_parse

MAX = 0x110000


def ranges(pred):
    """Half-open [start, end) runs of code points where pred holds, as 'start-end' hex pairs."""
    out, start = [], None
    for c in range(MAX):
        if pred(c):
            if start is None:
                start = c
        elif start is not None:
            out.append(f"{start:x}-{c:x}")
            start = None
    if start is not None:
        out.append(f"{start:x}-{MAX:x}")
    return " ".join(out)


def hexes(s):
    return ".".join(f"{ord(ch):x}" for ch in s)


def java_regex(pattern):
    """A Python `re` pattern (ftfy's) in java.util.regex syntax with the same meaning: every character escaped,
    Python's Unicode \\s and \\w as explicit classes, '.' as [^\\n]."""
    categories = {
        "CATEGORY_SPACE": [c for c in range(MAX) if re.fullmatch(r"\s", chr(c))],
        "CATEGORY_WORD": [c for c in range(MAX) if re.fullmatch(r"\w", chr(c))],
    }

    def lit(c):
        return f"\\x{{{c:x}}}"

    def class_items(items):
        out = []
        for op, av in items:
            op = str(op)
            if op == "LITERAL":
                out.append(lit(av))
            elif op == "RANGE":
                out.append(lit(av[0]) + "-" + lit(av[1]))
            elif op == "CATEGORY":
                runs, start, prev = [], None, None
                for c in categories[str(av)]:
                    if start is None:
                        start = prev = c
                    elif c == prev + 1:
                        prev = c
                    else:
                        runs.append((start, prev))
                        start = prev = c
                runs.append((start, prev))
                out.extend(lit(a) if a == b else lit(a) + "-" + lit(b) for a, b in runs)
            elif op == "NEGATE":
                out.insert(0, "^")
            else:
                raise ValueError("unsupported class item " + op)
        return "[" + "".join(out) + "]"

    def emit(parsed):
        out = []
        for op, av in parsed:
            op = str(op)
            if op == "LITERAL":
                out.append(lit(av))
            elif op == "NOT_LITERAL":
                out.append("[^" + lit(av) + "]")
            elif op == "IN":
                out.append(class_items(av))
            elif op == "ANY":
                out.append("[^\\n]")
            elif op == "BRANCH":
                out.append("(?:" + "|".join(emit(b) for b in av[1]) + ")")
            elif op == "SUBPATTERN":
                out.append("(?:" + emit(av[3]) + ")")
            elif op in ("MAX_REPEAT", "MIN_REPEAT"):
                lo, hi, item = av
                body = "(?:" + emit(item) + ")"
                hi_text = "" if hi == sre_parse.MAXREPEAT else str(hi)
                out.append(body + "{" + str(lo) + "," + hi_text + "}" + ("?" if op == "MIN_REPEAT" else ""))
            elif op in ("ASSERT", "ASSERT_NOT"):
                direction, item = av
                out.append("(?" + ("<" if direction < 0 else "") + ("=" if op == "ASSERT" else "!") + emit(item) + ")")
            elif op == "AT" and str(av) == "AT_BEGINNING":
                out.append("^")
            else:
                raise ValueError(f"unsupported regex op {op} {av}")
        return "".join(out)

    return emit(sre_parse.parse(pattern.pattern, pattern.flags))


def class_ranges(items, categories):
    """Half-open ranges of the code points a parsed character class matches."""
    points = []
    negate = False
    for op, av in items:
        op = str(op)
        if op == "LITERAL":
            points.append((av, av + 1))
        elif op == "RANGE":
            points.append((av[0], av[1] + 1))
        elif op == "CATEGORY":
            points.extend((c, c + 1) for c in categories[str(av)])
        elif op == "NEGATE":
            negate = True
        else:
            raise ValueError("unsupported class item " + op)
    merged = []
    for a, b in sorted(points):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    if negate:
        inverse, prev = [], 0
        for a, b in merged:
            if a > prev:
                inverse.append((prev, a))
            prev = b
        if prev < MAX:
            inverse.append((prev, MAX))
        merged = inverse
    return " ".join(f"{a:x}-{b:x}" for a, b in merged)


def badness_branches(pattern):
    """ftfy's BADNESS_RE is an alternation of short sequences of one-character items; as data: the distinct
    character classes (CodePointSet text, ';'-separated) and the branches (';'-separated, items ' '-separated:
    a class index, '<index>?' for an optional one, '^' for the start of the text)."""
    categories = {"CATEGORY_SPACE": [c for c in range(MAX) if re.fullmatch(r"\s", chr(c))],
                  "CATEGORY_WORD": [c for c in range(MAX) if re.fullmatch(r"\w", chr(c))]}
    classes, branches = [], []

    def class_index(ranges):
        if ranges not in classes:
            classes.append(ranges)
        return str(classes.index(ranges))

    (op, av), = sre_parse.parse(pattern.pattern, pattern.flags)
    assert str(op) == "BRANCH"
    for branch in av[1]:
        items = []
        for op, av in branch:
            op = str(op)
            if op == "IN":
                items.append(class_index(class_ranges(av, categories)))
            elif op == "LITERAL":
                items.append(class_index(f"{av:x}-{av + 1:x}"))
            elif op == "ANY":
                items.append(class_index(f"0-a b-{MAX:x}"))
            elif op == "MAX_REPEAT" and av[0] == 0 and av[1] == 1 and len(av[2]) == 1 and str(av[2][0][0]) == "IN":
                items.append(class_index(class_ranges(av[2][0][1], categories)) + "?")
            elif op == "AT" and str(av) == "AT_BEGINNING":
                items.append("^")
            else:
                raise ValueError(f"unsupported item in BADNESS_RE: {op} {av}")
        branches.append(" ".join(items))
    return ";".join(classes), ";".join(branches)


def java_string(name, text, chunk=60000):
    parts = [text[i:i + chunk] for i in range(0, len(text), chunk)] or [""]
    lines = " +\n            ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts)
    return f"    static final String {name} =\n            {lines};\n"


def main():
    letter = regex.compile(r"[\p{L}]", regex.IGNORECASE)
    number = regex.compile(r"[\p{N}]", regex.IGNORECASE)
    symbol = regex.compile(r"[^\s\p{L}\p{N}]", regex.IGNORECASE)
    chars = [chr(c) for c in range(MAX)]
    for ch in chars:  # the three classes and "space" (none of them) must partition the code points
        assert bool(letter.fullmatch(ch)) + bool(number.fullmatch(ch)) + bool(symbol.fullmatch(ch)) <= 1

    # PreTokenizer.matchesIgnoreCase hard-codes the IGNORECASE matches of the literals' characters.
    for ch in set("<|startoftext|><|endoftext|>'s't're've'm'll'd"):
        expected = {ch, ch.upper()} | ({"\u017f"} if ch == "s" else set())
        found = {chars[c] for c in range(MAX) if regex.fullmatch(regex.escape(ch), chars[c], regex.IGNORECASE)}
        assert found == expected, (ch, found)

    lower = []
    for c in range(MAX):
        low = chars[c].lower()
        if low != chars[c] and c != 0x3A3:  # capital sigma depends on context (final sigma rule)
            lower.append(f"{c:x}={hexes(low)}")

    # Python's final-sigma rule skips case-ignorable characters and then asks whether the neighbour is cased;
    # both properties are read off str.lower itself: a character X is "cased" for the rule when
    # " X\u03a3" lowers to a final sigma, and case-ignorable when "AX\u03a3" does but " X\u03a3" does not.
    def final_sigma(prefix):
        return (prefix + "\u03a3").lower()[-1] == "\u03c2"

    cased = lambda c: final_sigma(" " + chars[c])
    ignorable = lambda c: final_sigma("A" + chars[c]) and not final_sigma(" " + chars[c])

    html5 = " ".join(f"{name}={hexes(value)}" for name, value in html.entities.html5.items())
    ftfy_upper = " ".join(
        f"{name[1:]}={hexes(value)}" for name, value in ftfy.chardata.HTML_ENTITIES.items()
        if name[1:] not in html.entities.html5)
    width = " ".join(f"{c:x}={hexes(v)}" for c, v in sorted(ftfy.chardata.WIDTH_MAP.items()))

    out = sys.stdout
    out.write("package dev.clipmatch.tokenizer;\n\n")
    out.write("// GENERATED by tools/gen_tokenizer_tables.py; do not edit. Sources: Python "
              f"{sys.version.split()[0]} (unicodedata {unicodedata.unidata_version}), regex {regex.__version__}, "
              f"ftfy {ftfy.__version__}.\n\n")
    out.write("/** Character data of the Python tokenizer, as hex code-point ranges and maps (see {@link PythonText}). */\n")
    out.write("final class PythonTables {\n    private PythonTables() {}\n\n")
    out.write("    /** Code points matched by {@code [\\p{L}]} of the split pattern (regex module, IGNORECASE). */\n")
    out.write(java_string("LETTERS", ranges(lambda c: letter.fullmatch(chars[c]) is not None)))
    out.write("    /** Code points matched by {@code [\\p{N}]}. */\n")
    out.write(java_string("NUMBERS", ranges(lambda c: number.fullmatch(chars[c]) is not None)))
    out.write("    /** Code points matched by {@code [^\\s\\p{L}\\p{N}]}; the rest is the pattern's whitespace. */\n")
    out.write(java_string("SYMBOLS", ranges(lambda c: symbol.fullmatch(chars[c]) is not None)))
    out.write("    /** {@code str.isspace()}: what {@code str.split()} and {@code str.strip()} remove. */\n")
    out.write(java_string("PY_SPACE", ranges(lambda c: chars[c].isspace())))
    out.write("    /** {@code \\d} of Python's {@code re} (ftfy's terminal-escape pattern). */\n")
    out.write(java_string("RE_DIGITS", ranges(lambda c: re.fullmatch(r"\d", chars[c]) is not None)))
    out.write("    /** {@code str.lower()} where it changes a code point (capital sigma excluded: it depends on context). */\n")
    out.write(java_string("LOWER", " ".join(lower)))
    out.write("    /** Cased characters, as str.lower's final-sigma rule sees them (case-ignorable ones excluded). */\n")
    out.write(java_string("CASED", ranges(cased)))
    out.write("    /** Case-ignorable characters, which the final-sigma rule skips. */\n")
    out.write(java_string("CASE_IGNORABLE", ranges(ignorable)))
    out.write("    /** {@code html.entities.html5}: entity name (with or without ';') to text. */\n")
    out.write(java_string("HTML5_ENTITIES", html5))
    out.write("    /** ftfy's extra all-caps entities such as {@code &EACUTE;} (name without '&'). */\n")
    out.write(java_string("FTFY_UPPER_ENTITIES", ftfy_upper))
    out.write("    /** ftfy's fix_character_width map (full/half-width forms and U+3000). */\n")
    out.write(java_string("WIDTH_MAP", width))
    badness_classes, badness = badness_branches(ftfy.badness.BADNESS_RE)
    out.write("    /** The character classes of ftfy's badness.BADNESS_RE (is_bad: text that looks like mojibake), ';'-separated. */\n")
    out.write(java_string("FTFY_BADNESS_CLASSES", badness_classes))
    out.write("    /** BADNESS_RE's branches: class indexes ('?' optional, '^' start of text), ';'-separated. */\n")
    out.write(java_string("FTFY_BADNESS_BRANCHES", badness))
    out.write("    /** ftfy's chardata.UTF8_DETECTOR_RE (runs of UTF-8 read as a single-byte encoding). */\n")
    out.write(java_string("FTFY_UTF8_DETECTOR_RE", java_regex(ftfy.chardata.UTF8_DETECTOR_RE)))
    tables = []
    for encoding in ftfy.chardata.CHARMAP_ENCODINGS:
        decoded = bytes(range(256)).decode(encoding)
        assert len(set(decoded)) == 256, encoding  # so encoding is the inverse table
        tables.append(encoding + "=" + ".".join(f"{ord(ch):x}" for ch in decoded))
    out.write("    /** ftfy.chardata.CHARMAP_ENCODINGS in ftfy's order, each as its 256 decoded characters (sloppy codecs). */\n")
    out.write(java_string("FTFY_CHARMAPS", " ".join(tables)))
    out.write("}\n")


if __name__ == "__main__":
    main()
