#!/usr/bin/env python3
"""What report.html adds to a sweep on a Flickr30K-sized run (issue 14): 1,000 images, 5,000 captions.

The run: the real Flickr30K 1K test captions (Karpathy split, ../shared/data) and, for its 1,000 image names, the
35 real Flickr photos of ../shared/data cycled, each copy made a distinct file by bytes after the JPEG end marker
(decoders ignore them; the cache sees 1,000 images). The tiny fixture model encodes them (its 64-dim embeddings
make the report's ranking pass cheaper than ViT-B/32's 512 dims would; that pass is ~10 ms either way).

Measures, on the process's own clock (report.json's seconds per phase), the html_report phase of a warm sweep
(embeddings from the cache, the usual rerun) and of the cold one, the page size and its thumbnails; then the report
alone on wall and CPU clocks (tools/BenchReport.java: a busy machine stretches the wall clock, not the CPU time).
The peer is Pillow making the same thumbnails (draft + thumbnail + JPEG q80, 2 processes) in the same run.

    python3 tools/bench_report.py            # needs Pillow for the peer: pip install pillow
"""
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CLIPMATCH_TEST_DATA", HERE.parent / "shared" / "data")).resolve()
WORK = HERE / "target" / "bench-report"
RUNS = 3


def build_run():
    """The dataset file and its 1,000 image files; returns the dataset path."""
    split = json.loads((DATA / "flickr30k" / "flickr30k_karpathy_test.json").read_text())
    photos = sorted((DATA / "flickr8k" / "images").glob("*.jpg")) + [DATA / "refs" / "jina_clip" / "man_piercing.jpg"]
    images = WORK / "images"
    if images.exists():
        shutil.rmtree(images)
    images.mkdir(parents=True)
    for i, entry in enumerate(split):
        body = photos[i % len(photos)].read_bytes()
        (images / entry["image_name"]).write_bytes(body + b"clipmatch-bench-copy-%d" % i)
    dataset = WORK / "flickr30k_1k_test.json"
    dataset.write_text(json.dumps([{"image_name": e["image_name"], "captions": e["captions"]} for e in split]))
    return dataset, images


def sweep(dataset, images, model, vocab, cache, out):
    cmd = [str(HERE / "clipmatch"), "sweep", "--model", str(model), "--vocab", str(vocab), "--dataset", str(dataset), "--images", str(images),
           "--sample-images", "10,100,1000", "--iterations", "50", "--out", str(out), "--cache-dir", str(cache), "--threads", "2", "--truncate"]
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=clean_env())
    if r.returncode != 0:
        sys.exit(f"sweep failed ({r.returncode}): {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''}")
    wall = time.perf_counter() - t
    seconds = json.loads((out / "report.json").read_text())["run"]["seconds"]
    return wall, seconds


def clean_env():
    env = dict(os.environ)
    for pin in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # benchmark with the CPU's own kernels
        env.pop(pin, None)
    return env


def pil_thumbnail(path):
    from PIL import Image
    with Image.open(path) as im:
        im.draft("RGB", (320, 320))
        im = im.convert("RGB")
        im.thumbnail((160, 160), Image.Resampling.BOX)
        from io import BytesIO
        buf = BytesIO()
        im.save(buf, "JPEG", quality=80)
        return len(buf.getvalue())


def main():
    subprocess.run([str(HERE / "clipmatch"), "--help"], check=True, stdout=subprocess.DEVNULL)  # build first, untimed
    WORK.mkdir(parents=True, exist_ok=True)
    model = WORK / "tiny-random-clip.pt"
    subprocess.run(f"gunzip -c {HERE}/src/test/resources/model/tiny-openai.pt.gz > {model}", shell=True, check=True)
    vocab = DATA / "clip" / "bpe_simple_vocab_16e6.txt.gz"
    dataset, images = build_run()
    cache, out = WORK / "cache", WORK / "run"
    shutil.rmtree(cache, ignore_errors=True)

    cold_wall, cold = sweep(dataset, images, model, vocab, cache, out)
    warm = [sweep(dataset, images, model, vocab, cache, out) for _ in range(RUNS)]
    html = out / "report.html"
    thumbs = sorted((out / "thumbs").glob("*.jpg"))
    thumb_bytes = sum(t.stat().st_size for t in thumbs)
    index = json.loads((out / "index.json").read_text())
    shown = [index["images"][int(t.stem)] for t in thumbs]

    print(f"run: {len(index['images'])} images, {len(index['captions'])} captions; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"cold sweep (encodes everything): {cold_wall:.2f} s wall, html_report {cold['html_report']:.3f} s "
          f"({100 * cold['html_report'] / sum(cold.values()):.1f} % of the phases)")
    for i, (wall, s) in enumerate(warm):
        print(f"warm sweep {i + 1}: {wall:.2f} s wall, phases {sum(s.values()):.2f} s, html_report {s['html_report']:.3f} s")
    print(f"html_report, warm, median of {RUNS}: {statistics.median(s['html_report'] for _, s in warm):.3f} s")
    print(f"page: report.html {html.stat().st_size / 1e6:.3f} MB + {len(thumbs)} thumbnails {thumb_bytes / 1e6:.3f} MB "
          f"= {(html.stat().st_size + thumb_bytes) / 1e6:.3f} MB")

    classpath = f"{HERE}/target/classes:" + (HERE / "target" / "classpath.txt").read_text().strip()
    r = subprocess.run(["java", "-cp", classpath, str(HERE / "tools" / "BenchReport.java"), str(out), str(RUNS)], check=True, capture_output=True,
                       text=True, env=clean_env())
    print("the report alone, in one JVM (tools/BenchReport.java):\n  " + "\n  ".join(r.stdout.strip().splitlines()))

    try:
        import PIL
    except ImportError:
        print("peer skipped: Pillow is not installed (pip install pillow)")
        return
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        with multiprocessing.Pool(2) as pool:
            sizes = pool.map(pil_thumbnail, shown)
        times.append(time.perf_counter() - t)
    print(f"peer: Pillow {PIL.__version__}, the same {len(shown)} thumbnails with 2 processes (pool start included), "
          f"median of {RUNS}: {statistics.median(times):.3f} s, {sum(sizes) / 1e6:.3f} MB")


if __name__ == "__main__":
    sys.exit(main())
