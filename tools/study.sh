#!/usr/bin/env bash
# The main job: the study on Flickr30K with ViT-B/32 (full 1K test set in both directions, and the sampled
# protocol of 10 / 100 / 1000 images x 50 iterations), when the model, the captions and the images are in the
# cache. On a machine without them it says what is missing and runs the very same pipeline on the tiny random
# fixture model and the real captioned photos of ../shared/data, so that every stage runs end to end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${CLIPMATCH_CACHE:-$HOME/.cache/clipmatch}"
data="${CLIPMATCH_TEST_DATA:-$here/../shared/data}"

missing=()
[[ -f "$cache/ViT-B-32.pt" ]] || missing+=("model: ./clipmatch fetch-model ViT-B-32 (or put ViT-B-32.pt in $cache)")
[[ -f "$cache/data/flickr30k_karpathy_test.json" ]] || missing+=("captions: ./clipmatch fetch-data flickr30k")
[[ -d "$cache/data/flickr30k-images" ]] || missing+=("images: the Flickr30K images (on request from the dataset's authors) in $cache/data/flickr30k-images")

if [[ ${#missing[@]} -eq 0 ]]; then
  exec "$here/clipmatch" sweep --model ViT-B-32 --dataset flickr30k --sample-images 10,100,1000 --iterations 50 --out "$here/runs/flickr30k-ViT-B-32" "$@"
fi

echo "study.sh: the real study needs:" >&2
printf '  - %s\n' "${missing[@]}" >&2
echo "study.sh: running the same pipeline on the tiny random fixture model and the captioned photos of $data instead" >&2
echo "study.sh: (its recall numbers are those of random weights, not CLIP's)" >&2
demo="$here/target/demo"
mkdir -p "$demo/model"
gunzip -c "$here/src/test/resources/model/tiny-openai.pt.gz" > "$demo/model/tiny-random-clip.pt"
exec "$here/clipmatch" sweep --model "$demo/model/tiny-random-clip.pt" --vocab "$data/clip/bpe_simple_vocab_16e6.txt.gz" \
  --dataset "$data/image_captions.tsv" --images "$data" \
  --on-error skip --sample-images 5,10,20 --iterations 50 --out "$here/runs/demo" --cache-dir "$demo/cache" "$@"
