package dev.clipmatch.pipeline;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.clipmatch.eval.EvalJson;
import java.util.List;
import java.util.Map;

/** RUN_DIR/report.json: the eval JSON contract plus "run", what the sweep did. */
public record SweepReport(@JsonUnwrapped EvalJson evaluation, Run run) {

    /**
     * @param imagesEncoded images encoded by this run (the rest came from the embedding cache)
     * @param skipped "path: problem" per image left out
     * @param duplicateContent each set of the dataset's image names whose files hold the same bytes (kept as separate images)
     * @param seconds wall time per phase
     */
    public record Run(String model, String checkpointSha256, String dataset, int imagesEncoded, int textsEncoded, List<String> skipped,
            List<List<String>> duplicateContent, Map<String, Double> seconds) {}
}
