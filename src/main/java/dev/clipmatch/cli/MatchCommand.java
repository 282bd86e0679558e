package dev.clipmatch.cli;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.report.HtmlReport;
import dev.clipmatch.report.ProbabilityTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code clipmatch match}: the probability of each caption for one image, as in the study's tables. */
@Command(name = "match", mixinStandardHelpOptions = true,
        description = "Probability of each caption for an image: softmax over the captions of exp(logit_scale) * cosine, or for a sigmoid-trained model (SigLIP: a logit_bias) each caption's own sigmoid(exp(logit_scale) * cosine + logit_bias); sorted.")
public final class MatchCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "ViT-B-32", paramLabel = "M", description = "Registry name or checkpoint path (default: ${DEFAULT-VALUE}).")
    String model;

    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CAPTION")
    List<String> captions;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write {\"image\", \"captions\": [{\"caption\", \"probability\"}]}.")
    Path json;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write the table as a self-contained HTML page (image inline).")
    Path html;

    @Mixin
    SharedOptions.EncoderOptions encoder;

    @Option(names = "--truncate", description = "Cut captions longer than the context.")
    boolean truncate;

    @Override
    public Integer call() {
        ClipMatch clip = ClipMatch.load(model, encoder.options(null));
        Embeddings im = clip.encodeImages(List.of(image));
        Embeddings tx = clip.encodeTexts(captions, truncate);
        ProbabilityTable table = ProbabilityTable.of(image.toString(), clip.probabilities(im, tx), 0, captions, c -> false);
        if (clip.model().logitBias() != null)
            System.err.println("clipmatch: sigmoid probabilities (the model has a logit_bias, as SigLIP): each caption is scored on its own, they need not sum to 100%");
        List<Probability> rows = new ArrayList<>();
        for (ProbabilityTable.Row r : table.rows()) {
            System.out.printf("%8.4f%%  %s%n", 100.0 * r.probability(), r.text());
            rows.add(new Probability(r.text(), r.probability()));
        }
        if (json != null) {
            AtomicFiles.writeString(json, JsonFiles.pretty(new Result(image.toString(), clip.label(), rows)));
        }
        if (html != null) HtmlReport.writeMatch(html, clip.label(), image, table);
        return 0;
    }

    /** The --json file: each caption's probability, most likely first. */
    record Result(String image, String model, List<Probability> captions) {}

    record Probability(String caption, double probability) {}
}
