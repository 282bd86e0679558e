#!/usr/bin/env python3
"""Writes small hostile/unusual image files and PIL's answer for each (the oracle of ImageHostileTest).

Each case is a file under src/test/resources/image/hostile/ and an entry in expected.json:
  "pil": "refuses"  -> Image.open(p).convert("RGB") raises (damaged file, unknown format, decompression bomb);
  "pil": "decodes"  -> the sha256 of PIL's 8-bit 224 px centre crop (the reference preprocessing of
                       tools/make_image_fixtures.py).
clipmatch must refuse what PIL refuses, and for what PIL decodes either give exactly PIL's crop or refuse
with one line naming the unsupported feature: never other pixels.

Usage: python3 tools/make_hostile_images.py [--data ../shared/data]   (Pillow and numpy)
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_image_fixtures import reference_crop  # noqa: E402  the one definition of the reference

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "src/test/resources/image/hostile"
Image.MAX_IMAGE_PIXELS = 89_478_485  # PIL's default: twice this raises DecompressionBombError


def tiff(width, height, samples, bits, planar, data, photometric=None):
    """An uncompressed little-endian TIFF with one strip per plane (PIL cannot write planar or 12-bit files)."""
    photometric = (2 if samples >= 3 else 1) if photometric is None else photometric
    planes = samples if planar == 2 else 1
    plane_bytes = len(data) // planes
    entries = []  # (tag, type, count, value or bytes)
    extra = b""
    base = 8
    n_entries = 11
    ifd_size = 2 + 12 * n_entries + 4
    extra_at = base + ifd_size

    def put_extra(blob):
        nonlocal extra
        at = extra_at + len(extra)
        extra += blob + (b"\0" if len(blob) % 2 else b"")
        return at

    bits_value = bits if samples == 1 else put_extra(struct.pack("<" + "H" * samples, *([bits] * samples)))
    strip_at = extra_at + len(extra) + 8 * planes + 8 * planes
    offsets = [strip_at + i * plane_bytes for i in range(planes)]
    counts = [plane_bytes] * planes
    off_value = offsets[0] if planes == 1 else put_extra(struct.pack("<" + "I" * planes, *offsets))
    cnt_value = counts[0] if planes == 1 else put_extra(struct.pack("<" + "I" * planes, *counts))
    strip_at_real = extra_at + len(extra)
    if strip_at_real != strip_at:
        shift = strip_at_real - strip_at
        offsets = [o + shift for o in offsets]
        # rewrite the offsets blob in place
        if planes > 1:
            blob = struct.pack("<" + "I" * planes, *offsets)
            start = off_value - extra_at
            extra = extra[:start] + blob + extra[start + len(blob):]
        else:
            off_value = offsets[0]
    entries = [
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, samples, bits_value), (259, 3, 1, 1),
        (262, 3, 1, photometric), (273, 4, planes, off_value), (277, 3, 1, samples), (278, 4, 1, height),
        (279, 4, planes, cnt_value), (284, 3, 1, planar), (339, 3, 1, 1),
    ]
    assert len(entries) == n_entries
    ifd = struct.pack("<H", n_entries)
    for tag, typ, count, value in entries:
        ifd += struct.pack("<HHI", tag, typ, count) + (struct.pack("<HH", value, 0) if typ == 3 and count == 1 else struct.pack("<I", value))
    ifd += struct.pack("<I", 0)
    return b"II*\0" + struct.pack("<I", base) + ifd + extra + data


def bmp_core(rgb):
    """OS/2 1.x BMP (12-byte BITMAPCOREHEADER), 24-bit, bottom-up."""
    h, w, _ = rgb.shape
    stride = (w * 3 + 3) & ~3
    rows = b"".join(rgb[y, :, ::-1].tobytes().ljust(stride, b"\0") for y in range(h - 1, -1, -1))
    header = struct.pack("<IHHHH", 12, w, h, 1, 24)
    off = 14 + len(header)
    return b"BM" + struct.pack("<IHHI", off + len(rows), 0, 0, off) + header + rows


def bmp_bitfields(rgb, bits):
    """BI_BITFIELDS BMP: 16-bit RGB565 or 32-bit with masks in an unusual order (BGRX → XRGB-like)."""
    h, w, _ = rgb.shape
    if bits == 16:
        masks = (0xF800, 0x07E0, 0x001F)
        r, g, b = (rgb[..., 0].astype(np.uint32) >> 3), (rgb[..., 1].astype(np.uint32) >> 2), (rgb[..., 2].astype(np.uint32) >> 3)
        px = ((r << 11) | (g << 5) | b).astype("<u2")
    else:
        masks = (0x0000FF00, 0x00FF0000, 0xFF000000)
        px = ((rgb[..., 0].astype(np.uint32) << 8) | (rgb[..., 1].astype(np.uint32) << 16) | (rgb[..., 2].astype(np.uint32) << 24)).astype("<u4")
    stride = (w * bits // 8 + 3) & ~3
    rows = b"".join(px[y].tobytes().ljust(stride, b"\0") for y in range(h - 1, -1, -1))
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, bits, 3, len(rows), 2835, 2835, 0, 0) + struct.pack("<III", *masks)
    off = 14 + len(info)
    return b"BM" + struct.pack("<IHHI", off + len(rows), 0, 0, off) + info + rows


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def cases(data: Path):
    photo = Image.open(data / "flickr8k/images/1235580648_7eebaed9bc.jpg").convert("RGB")
    crop = photo.crop((150, 100, 198, 136))  # 48x36: small files
    rgb = np.asarray(crop)
    rng = np.random.default_rng(12)
    h, w, _ = rgb.shape
    out = {}

    # TIFF: 16-bit planar, 16-bit chunky colour, 16-bit grey, 12-bit grey.
    wide = rgb.astype(np.uint16) * 257 + rng.integers(0, 200, rgb.shape).astype(np.uint16)
    planar = b"".join(wide[..., c].astype("<u2").tobytes() for c in range(3))
    out["tiff-16bit-planar.tif"] = (tiff(w, h, 3, 16, 2, planar), "16-bit RGB TIFF, PlanarConfiguration=2")
    out["tiff-16bit-rgb.tif"] = (tiff(w, h, 3, 16, 1, wide.astype("<u2").tobytes()), "16-bit RGB TIFF, chunky")
    out["tiff-8bit-planar.tif"] = (tiff(w, h, 3, 8, 2, b"".join(rgb[..., c].tobytes() for c in range(3))), "8-bit RGB TIFF, planar")
    grey = wide[..., 1]
    out["tiff-16bit-grey.tif"] = (tiff(w, h, 1, 16, 1, grey.astype("<u2").tobytes()), "16-bit grey TIFF")
    g12 = (grey >> 4).astype(np.uint32)
    packed = bytearray()
    for y in range(h):  # 12-bit samples packed big-endian-bitwise, rows byte-aligned
        row = g12[y]
        bits = "".join(format(int(v), "012b") for v in row)
        bits += "0" * (-len(bits) % 8)
        packed += int(bits, 2).to_bytes(len(bits) // 8, "big")
    out["tiff-12bit-grey.tif"] = (tiff(w, h, 1, 12, 1, bytes(packed)), "12-bit grey TIFF")
    full = tiff(w, h, 3, 8, 1, rgb.tobytes())
    out["tiff-truncated.tif"] = (full[: len(full) - len(rgb.tobytes()) // 2], "TIFF whose strip ends early")

    # BMP: OS/2 core header, bitfields 565 and 32-bit with shuffled masks, truncated pixels.
    out["bmp-os2.bmp"] = (bmp_core(rgb), "OS/2 1.x BMP (12-byte header)")
    out["bmp-bitfields-565.bmp"] = (bmp_bitfields(rgb, 16), "BI_BITFIELDS 16-bit RGB565 BMP")
    out["bmp-bitfields-32.bmp"] = (bmp_bitfields(rgb, 32), "BI_BITFIELDS 32-bit BMP, unusual masks")
    buf = io.BytesIO()
    crop.save(buf, "BMP")
    out["bmp-truncated.bmp"] = (buf.getvalue()[: buf.tell() // 2], "BMP whose pixel rows end early")

    # GIF: transparency (the transparent index has a colour PIL keeps), truncated.
    pal = crop.quantize(colors=16)
    buf = io.BytesIO()
    pal.save(buf, "GIF", transparency=int(np.asarray(pal)[h // 2, w // 2]))
    out["gif-transparent.gif"] = (buf.getvalue(), "GIF with a transparent colour index")
    frames = [pal, crop.rotate(180).quantize(colors=16)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    out["gif-animated.gif"] = (buf.getvalue(), "animated GIF: first frame")
    gif = out["gif-transparent.gif"][0]
    out["gif-truncated.gif"] = (gif[: len(gif) * 2 // 3], "GIF whose image data ends early")

    # APNG: default image part of the animation, and default image outside it (PIL's frame 0 is the default image).
    other = crop.rotate(180)
    buf = io.BytesIO()
    crop.save(buf, "PNG", save_all=True, append_images=[other], duration=100)
    out["apng.png"] = (buf.getvalue(), "animated PNG: first frame")
    buf = io.BytesIO()
    crop.save(buf, "PNG", save_all=True, append_images=[other, crop.transpose(Image.FLIP_LEFT_RIGHT)], default_image=True, duration=100)
    out["apng-default-image.png"] = (buf.getvalue(), "animated PNG whose default image is not an animation frame")
    buf = io.BytesIO()
    crop.save(buf, "PNG")
    png = buf.getvalue()
    bad = png[:33] + png_chunk(b"tEXt", b"Comment\0hello")[:-4] + b"\0\0\0\0" + png[33:]
    out["png-bad-ancillary-crc.png"] = (bad, "PNG with a bad CRC in an ancillary chunk")

    # WebP cut short.
    buf = io.BytesIO()
    crop.save(buf, "WEBP", lossless=True)
    webp = buf.getvalue()
    out["webp-truncated.webp"] = (webp[: len(webp) * 2 // 3], "WebP cut short")

    # Formats OpenCV decodes that we do not header-check: tiny headers declaring huge images (decompression bombs).
    out["bomb.hdr"] = (b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 60000 +X 80000\n" + b"\x02\x02\x00\x10" * 4, "Radiance HDR header, 80000x60000")
    out["bomb.pfm"] = (b"PF\n80000 60000\n-1.0\n" + b"\0" * 48, "PFM header, 80000x60000")
    out["bomb-named.jpg"] = (b"P6\n80000 60000\n255\n" + b"\0" * 48, "PPM header, 80000x60000, named .jpg")
    out["small.ppm"] = (b"P6\n%d %d\n255\n" % (w, h) + rgb.tobytes(), "a valid small PPM (a format outside the supported set)")
    out["bomb.gif"] = (b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00\x00\x00" + b",\0\0\0\0" + struct.pack("<HH", 65535, 65535) + b"\x00\x02\x02\x44\x01\x00;", "GIF declaring 65535x65535")
    out["bomb.tif"] = (tiff(100000, 100000, 1, 8, 1, b"\0" * 64), "TIFF declaring 100000x100000")
    return out


def pil_answer(path: Path):
    try:
        with Image.open(path) as im:
            im.convert("RGB").load()
        crop = reference_crop(path, 224)
        return {"pil": "decodes", "crop_sha256": hashlib.sha256(crop.tobytes()).hexdigest()}
    except Exception as e:  # what PIL raises is the answer: the file is refused
        return {"pil": "refuses", "pil_error": f"{type(e).__name__}: {str(e).replace(str(path), path.name)[:120]}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(REPO.parent / "shared/data"), help="shared test data directory")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, (blob, covers) in cases(Path(args.data)).items():
        (OUT / name).write_bytes(blob)
        answer = pil_answer(OUT / name)
        entries.append({"file": name, "covers": covers, **answer})
        print(f"{name:28s} {answer['pil']:8s} {answer.get('pil_error', answer.get('crop_sha256', ''))[:70]}", file=sys.stderr)
    head = {"generator": "tools/make_hostile_images.py",
            "versions": {"python": platform.python_version(), "pillow": PIL.__version__, "numpy": np.__version__}}
    text = json.dumps(head, indent=1)[:-2] + ',\n "cases": [\n' + ",\n".join("  " + json.dumps(e, separators=(",", ":")) for e in entries) + "\n ]\n}\n"
    (OUT / "expected.json").write_text(text)


if __name__ == "__main__":
    main()
