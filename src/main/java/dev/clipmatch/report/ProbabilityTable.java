package dev.clipmatch.report;

import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ScoreBackend;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * One image's probability for each candidate caption, as in the study's Tables 2 and 4: the softmax over the
 * candidates of exp(logit_scale) * cosine (the row {@code ClipMatch.probabilities} gives), sorted from most to
 * least probable, ties in caption order.
 *
 * @param image the image's name
 * @param rows the captions, most probable first
 */
public record ProbabilityTable(String image, List<Row> rows) {

    /** @param caption index of the caption among the candidates; positive: the caption belongs to the image */
    public record Row(int caption, String text, double probability, boolean positive) {}

    /**
     * The tables of a sample as in the study's Tables 2 and 4: for each image of {@code sample}, every caption of the
     * sample's images (in caption order before sorting) with its probability; {@code logitScale} is exp(logit_scale).
     */
    public static List<ProbabilityTable> forSample(int[] sample, List<String> imageNames, Embeddings images, Embeddings texts, List<String> captions,
            long[] captionImage, ScoreBackend backend, float logitScale) {
        Set<Integer> members = new HashSet<>();
        for (int img : sample) members.add(img);
        int[] caps = IntStream.range(0, captionImage.length).filter(c -> members.contains((int) captionImage[c])).toArray();
        List<String> candidates = new ArrayList<>(caps.length);
        for (int c : caps) candidates.add(captions.get(c));
        float[] p = backend.similarity(Retrieval.gather(images, sample), Retrieval.gather(texts, caps), true, logitScale, true);
        List<ProbabilityTable> tables = new ArrayList<>(sample.length);
        for (int i = 0; i < sample.length; i++) {
            int image = sample[i];
            tables.add(of(imageNames.get(image), p, i * caps.length, candidates, c -> captionImage[caps[c]] == image));
        }
        return tables;
    }

    /** The table of {@code probabilities[offset .. offset + captions.size())}, one value per caption. */
    public static ProbabilityTable of(String image, float[] probabilities, int offset, List<String> captions, IntPredicate positive) {
        List<Row> rows = new ArrayList<>(captions.size());
        for (int c = 0; c < captions.size(); c++) rows.add(new Row(c, captions.get(c), probabilities[offset + c], positive.test(c)));
        rows.sort(Comparator.comparingDouble((Row r) -> -r.probability()).thenComparingInt(Row::caption));
        return new ProbabilityTable(image, List.copyOf(rows));
    }
}
