// A runnable example of the clipmatch Java API (README, "Java API"): load a model, encode images and texts,
// score, retrieve, evaluate. Run it with the launcher's classpath:
//
//   java -cp target/classes:$(cat target/classpath.txt) tools/ApiExample.java MODEL IMAGE... -- CAPTION...
//
// (one caption per image, in the same order: caption i describes image i)
import dev.clipmatch.ClipMatch;
import dev.clipmatch.eval.EvalReport;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ScoreBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class ApiExample {
    public static void main(String[] args) {
        int split = Arrays.asList(args).indexOf("--");
        List<Path> images = new ArrayList<>();
        for (int i = 1; i < split; i++) images.add(Path.of(args[i]));
        List<String> captions = List.of(args).subList(split + 1, args.length);

        ClipMatch clip = ClipMatch.load(args[0]);               // a registry name (cache) or a checkpoint path
        Embeddings im = clip.encodeImages(images);               // [images, D], raw
        Embeddings tx = clip.encodeTexts(captions);              // [captions, D], raw

        float[] probs = clip.probabilities(im, tx);              // per image: softmax over the captions
        for (int i = 0; i < im.rows(); i++) {
            System.out.printf("%s: best caption \"%s\" (p = %.3f)%n", images.get(i).getFileName(),
                    captions.get(argmax(probs, i * tx.rows(), tx.rows())), max(probs, i * tx.rows(), tx.rows()));
        }
        ScoreBackend.TopK top = clip.search(tx, im, 1);          // the best image for each caption
        for (int t = 0; t < tx.rows(); t++) System.out.printf("\"%s\" -> %s%n", captions.get(t), images.get((int) top.indices()[t]).getFileName());

        long[] captionImage = new long[captions.size()];         // caption t describes image t
        for (int t = 0; t < captionImage.length; t++) captionImage[t] = t;
        Evaluation e = clip.evaluate(im, tx, captionImage, new int[] {1, 5}, new int[] {2}, 20, 0);
        System.out.print(EvalReport.table(e));
    }

    static int argmax(float[] v, int from, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) if (v[from + j] > v[from + best]) best = j;
        return best;
    }

    static float max(float[] v, int from, int n) {
        return v[from + argmax(v, from, n)];
    }
}
