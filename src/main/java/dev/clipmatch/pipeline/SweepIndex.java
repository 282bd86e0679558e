package dev.clipmatch.pipeline;

import java.util.List;

/**
 * RUN_DIR/index.json: what {@code search} needs to use a sweep's embeddings: the model and checkpoint they came
 * from, and the image path and caption of each row.
 */
public record SweepIndex(String model, String checkpointSha256, String preprocess, String dataset, List<String> images, List<String> captions) {
    public static final String FILE = "index.json";
}
