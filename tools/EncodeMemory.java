// Resident memory of a loaded, encoding ClipModel: VmRSS / VmHWM (peak) of this process after loading MODEL, after
// a forced GC (which unmaps the checkpoint file's pages), and after encoding 32 random images and 64 random
// captions three times (default threads). Runs against older checkouts too: "per-item" uses the load option of
// checkouts that have ClipModel.Encoding, else the setPackedEncoding switch of those that had one.
//
//   java -cp target/classes:$(cat target/classpath.txt) tools/EncodeMemory.java MODEL [per-item]
//
// MODEL: e.g. the ViT-B/32-sized random Hugging Face folder that tools/bench_model.py leaves in its work folder.
import dev.clipmatch.model.ClipModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

public class EncodeMemory {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        ClipModel m = args.length > 1 && args[1].equals("per-item") ? perItem(model) : ClipModel.load(model);
        System.out.println("loaded: " + status());
        gc();
        System.out.println("loaded, after GC: " + status());
        int s = m.config().resolution(), images = 32, captions = 64, ctx = m.config().contextLength();
        Random rng = new Random(1);
        float[] px = new float[images * 3 * s * s];
        for (int i = 0; i < px.length; i++) px[i] = (float) rng.nextGaussian();
        long[] ids = new long[captions * ctx];
        for (int c = 0; c < captions; c++) {
            int length = 5 + rng.nextInt(40);
            ids[c * ctx] = 49406;
            for (int k = 1; k < length - 1; k++) ids[c * ctx + k] = 1 + rng.nextInt(40000);
            ids[c * ctx + length - 1] = 49407;
        }
        for (int pass = 0; pass < 3; pass++) {
            m.encodeImages(px, images);
            m.encodeTexts(ids, captions, ctx);
        }
        gc();
        System.out.println("encoded, after GC: " + status());
    }

    private static ClipModel perItem(Path model) throws Exception {
        try {
            Class<?> encoding = Class.forName("dev.clipmatch.model.ClipModel$Encoding");
            return (ClipModel) ClipModel.class.getMethod("load", Path.class, String.class, encoding)
                    .invoke(null, model, null, encoding.getField("PER_ITEM").get(null));
        } catch (ClassNotFoundException e) {
            ClipModel m = ClipModel.load(model);
            ClipModel.class.getMethod("setPackedEncoding", boolean.class).invoke(m, false);
            return m;
        }
    }

    private static void gc() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(500);
        }
    }

    private static String status() throws Exception {
        long rss = 0, peak = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D+", ""));
            if (line.startsWith("VmHWM:")) peak = Long.parseLong(line.replaceAll("\\D+", ""));
        }
        return "rss " + rss / 1024 + " MiB, peak " + peak / 1024 + " MiB";
    }
}
