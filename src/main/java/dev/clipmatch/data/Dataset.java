package dev.clipmatch.data;

import dev.clipmatch.ClipMatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An image-caption retrieval set: image names (relative to an images directory), captions, and the image of
 * each caption. Captions keep their source order; that order defines caption indices and the tie rule.
 */
public record Dataset(String name, List<String> images, List<String> captions, long[] captionImage) {

    public Dataset {
        if (captions.size() != captionImage.length) throw new IllegalArgumentException("one image index per caption");
        images = List.copyOf(images);
        captions = List.copyOf(captions);
    }

    /** Keeps the first {@code n} captions of every image (COCO's classic 5K/25,000 protocol uses 5). */
    public Dataset firstCaptions(int n) {
        if (n < 1) throw new ClipMatchException("captions per image must be at least 1, got " + n);
        int[] seen = new int[images.size()];
        List<String> kept = new ArrayList<>();
        List<Long> map = new ArrayList<>();
        for (int c = 0; c < captions.size(); c++) {
            int img = (int) captionImage[c];
            if (seen[img]++ < n) {
                kept.add(captions.get(c));
                map.add(captionImage[c]);
            }
        }
        return new Dataset(name, images, kept, map.stream().mapToLong(Long::longValue).toArray());
    }

    /** The dataset without the given images and their captions (e.g. images that are missing or unreadable). */
    public Dataset without(boolean[] dropImage) {
        int[] newIndex = new int[images.size()];
        List<String> keptImages = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            newIndex[i] = dropImage[i] ? -1 : keptImages.size();
            if (!dropImage[i]) keptImages.add(images.get(i));
        }
        List<String> keptCaptions = new ArrayList<>();
        List<Long> map = new ArrayList<>();
        for (int c = 0; c < captions.size(); c++) {
            int img = newIndex[(int) captionImage[c]];
            if (img >= 0) {
                keptCaptions.add(captions.get(c));
                map.add((long) img);
            }
        }
        return new Dataset(name, keptImages, keptCaptions, map.stream().mapToLong(Long::longValue).toArray());
    }

    /** Image files under {@code dir}; images that do not exist are reported through {@code missing}. */
    public List<Path> resolve(Path dir, List<String> missing) {
        List<Path> out = new ArrayList<>();
        for (String image : images) {
            Path p = dir.resolve(image);
            if (!Files.isRegularFile(p)) {
                Path flat = dir.resolve(Path.of(image).getFileName().toString()); // "val2014/x.jpg" also found as "x.jpg"
                if (Files.isRegularFile(flat)) p = flat;
                else missing.add(image);
            }
            out.add(p);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dataset d && name.equals(d.name) && images.equals(d.images) && captions.equals(d.captions)
                && Arrays.equals(captionImage, d.captionImage);
    }

    @Override
    public int hashCode() {
        return images.hashCode() * 31 + captions.hashCode();
    }

    @Override
    public String toString() {
        return name + " (" + images.size() + " images, " + captions.size() + " captions)";
    }
}
