#!/usr/bin/env python3
"""Copies open_clip's model architecture configs (its model_configs/*.json) into models/open_clip/, as data for
`--arch NAME` (a bare state dict cannot tell its activation, heads or pooling), with an index.json that records
the open_clip version they came from.

Usage: python3 tools/export_open_clip_configs.py [--out models/open_clip]
(open_clip from the local Python package mirror: pip install open-clip-torch; see tools/open_clip_shim.py.)
"""
import argparse
import json
import os
import shutil

import open_clip_shim  # noqa: F401  (lets open_clip import on a CPU-only torch)
import open_clip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "models", "open_clip"))
    args = ap.parse_args()
    src = os.path.join(os.path.dirname(open_clip.__file__), "model_configs")
    os.makedirs(args.out, exist_ok=True)
    names = []
    for f in sorted(os.listdir(src)):
        if f.endswith(".json"):
            shutil.copyfile(os.path.join(src, f), os.path.join(args.out, f))
            names.append(f[:-5])
    with open(os.path.join(args.out, "index.json"), "w") as fh:
        json.dump({"source": "open_clip/model_configs", "open_clip_version": open_clip.__version__, "models": names}, fh, indent=1)
        fh.write("\n")
    print(f"{len(names)} configs from open_clip {open_clip.__version__} -> {args.out}")


if __name__ == "__main__":
    main()
