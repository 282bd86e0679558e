package dev.clipmatch.spark;

import dev.clipmatch.eval.EmbeddingSource;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.eval.RankMetrics;
import dev.clipmatch.eval.SampledProtocol;
import dev.clipmatch.eval.SampledResult;
import dev.clipmatch.eval.ScoreSource;
import dev.clipmatch.kernels.CpuBackend;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ReferenceKernels;
import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Exact recall on Spark. The image and caption tables are cut into row blocks; a small pass scores each caption
 * against its own image (the thresholds: every caption's own score, every image's best positive); then each task
 * scores one (image block, caption block) pair with {@code cm_rank_block_counts}, which counts, per query, the
 * candidates of the block that outrank it with the global-index tie rule. A query's rank is the sum of its
 * counts over blocks, so ranks equal single-machine {@code eval}'s whatever the blocks and partitions.
 */
public final class DistributedRecall {
    /** Key of a block's counts: images are even keys, captions odd. */
    private static int imageKey(int block) {
        return 2 * block;
    }

    private static int captionKey(int block) {
        return 2 * block + 1;
    }

    private final JavaSparkContext sc;
    private final JavaRDD<RowBlock> images;
    private final JavaRDD<RowBlock> captions;
    private final int nImages;
    private final int nCaptions;
    private final long[] captionImage;
    private final int threads;

    /**
     * @param images image blocks, covering [0, nImages) without gaps
     * @param captions caption blocks with their image indices, covering [0, nCaptions)
     * @param captionImage every caption's image (validated: in range, every image has a caption)
     * @param threads native kernel threads per executor (0: one per core)
     */
    public DistributedRecall(JavaSparkContext sc, JavaRDD<RowBlock> images, JavaRDD<RowBlock> captions, int nImages, long[] captionImage, int threads) {
        this.sc = sc;
        this.images = images.persist(StorageLevel.MEMORY_AND_DISK());
        this.captions = captions.persist(StorageLevel.MEMORY_AND_DISK());
        this.nImages = nImages;
        this.nCaptions = captionImage.length;
        this.captionImage = captionImage;
        this.threads = threads;
    }

    /** Full-set ranks of both directions, computed on the cluster; only O(images + captions) reaches the driver. */
    public BidirectionalRanks ranks(PrintStream progress) {
        long t0 = System.nanoTime();
        float[] captionBest = ownImageScores();
        float[] imageBest = new float[nImages];
        long[] imageBestCaption = new long[nImages];
        Arrays.fill(imageBestCaption, -1);
        for (int c = 0; c < nCaptions; c++) { // increasing caption index: the lowest wins a tie, as in the kernels
            int i = (int) captionImage[c];
            if (imageBestCaption[i] < 0 || captionBest[c] > imageBest[i]) {
                imageBest[i] = captionBest[c];
                imageBestCaption[i] = c;
            }
        }
        progress.printf("spark eval: thresholds of %d images and %d captions in %.1f s%n", nImages, nCaptions, (System.nanoTime() - t0) / 1e9);
        Broadcast<Thresholds> th = sc.broadcast(new Thresholds(imageBest, imageBestCaption, captionBest));
        int kernelThreads = threads;
        JavaPairRDD<Integer, long[]> counts = images.cartesian(captions).flatMapToPair(pair -> {
            Kernels.threads(kernelThreads);
            RowBlock ib = pair._1(), cb = pair._2();
            Thresholds t = th.value();
            int i0 = (int) ib.start(), c0 = (int) cb.start();
            BidirectionalRanks r = CpuBackend.rankBlockCounts(normalized(ib), ib.start(), normalized(cb), cb.start(),
                    Arrays.copyOfRange(t.imageBest(), i0, i0 + ib.rows()), Arrays.copyOfRange(t.imageBestCaption(), i0, i0 + ib.rows()),
                    Arrays.copyOfRange(t.captionBest(), c0, c0 + cb.rows()), cb.image());
            return List.of(new Tuple2<>(imageKey(ib.id()), r.imageRanks()), new Tuple2<>(captionKey(cb.id()), r.textRanks())).iterator();
        }).reduceByKey(DistributedRecall::add);
        long[] imageRanks = new long[nImages], captionRanks = new long[nCaptions];
        long[] imageStarts = imageStarts(), captionStarts = starts(captions);
        for (Tuple2<Integer, long[]> kv : counts.collect()) {
            int block = kv._1() / 2;
            boolean image = kv._1() % 2 == 0;
            System.arraycopy(kv._2(), 0, image ? imageRanks : captionRanks, (int) (image ? imageStarts : captionStarts)[block], kv._2().length);
        }
        th.destroy();
        progress.printf("spark eval: ranks of %d x %d in %.1f s (%d x %d blocks)%n", nImages, nCaptions, (System.nanoTime() - t0) / 1e9,
                images.getNumPartitions(), captions.getNumPartitions());
        return new BidirectionalRanks(imageRanks, captionRanks);
    }

    /** The full set, and the sampled protocol for each size, with {@code eval}'s samples and metrics. */
    public Evaluation evaluate(int[] ks, int[] sampleSizes, int iterations, long seed, PrintStream progress) {
        BidirectionalRanks full = ranks(progress);
        List<SampledResult> sampled = new ArrayList<>();
        if (sampleSizes.length > 0) {
            SampledProtocol protocol = new SampledProtocol(new SampleRows(full, sampleSizes, iterations, seed));
            for (int size : sampleSizes) sampled.add(protocol.run(size, iterations, seed, ks, progress));
        }
        return new Evaluation(nImages, nCaptions, RankMetrics.of(full.imageRanks(), ks), RankMetrics.of(full.textRanks(), ks), sampled);
    }

    record Thresholds(float[] imageBest, long[] imageBestCaption, float[] captionBest) implements java.io.Serializable {}

    /** Captions of one caption block whose images lie in one image block: their global indices, rows and images. */
    record CaptionSlice(long[] index, float[] data, long[] image) implements java.io.Serializable {}

    /**
     * Every caption's score against its own image. Each caption block is cut by the image block of each caption's
     * image, and each slice meets its image block in a cogroup: a few records per block, not one per row.
     */
    private float[] ownImageScores() {
        Broadcast<long[]> starts = sc.broadcast(imageStarts());
        JavaPairRDD<Integer, CaptionSlice> slices = captions.flatMapToPair(b -> {
            long[] st = starts.value();
            Embeddings e = normalized(b);
            java.util.Map<Integer, List<Integer>> byBlock = new java.util.TreeMap<>();
            for (int r = 0; r < b.rows(); r++) {
                int at = Arrays.binarySearch(st, b.image()[r]);
                byBlock.computeIfAbsent(at >= 0 ? at : -at - 2, k -> new ArrayList<>()).add(r);
            }
            List<Tuple2<Integer, CaptionSlice>> out = new ArrayList<>();
            byBlock.forEach((block, rows) -> {
                long[] index = new long[rows.size()], image = new long[rows.size()];
                float[] data = new float[rows.size() * b.dim()];
                for (int k = 0; k < rows.size(); k++) {
                    int r = rows.get(k);
                    index[k] = b.start() + r;
                    image[k] = b.image()[r];
                    System.arraycopy(e.data(), r * b.dim(), data, k * b.dim(), b.dim());
                }
                out.add(new Tuple2<>(block, new CaptionSlice(index, data, image)));
            });
            return out.iterator();
        });
        JavaPairRDD<Integer, RowBlock> imageBlocks = images.mapToPair(b -> new Tuple2<>(b.id(), b));
        float[] best = new float[nCaptions];
        for (Tuple2<long[], float[]> scored : imageBlocks.cogroup(slices).flatMap(g -> {
            List<Tuple2<long[], float[]>> out = new ArrayList<>();
            for (RowBlock ib : g._2()._1()) {
                Embeddings im = normalized(ib);
                for (CaptionSlice s : g._2()._2()) {
                    float[] score = new float[s.index().length];
                    int dim = ib.dim();
                    for (int k = 0; k < score.length; k++)
                        score[k] = ReferenceKernels.dot(im.data(), (int) (s.image()[k] - ib.start()) * dim, s.data(), k * dim, dim);
                    out.add(new Tuple2<>(s.index(), score));
                }
            }
            return out.iterator();
        }).collect()) {
            for (int k = 0; k < scored._1().length; k++) best[(int) scored._1()[k]] = scored._2()[k];
        }
        starts.destroy();
        return best;
    }

    /** A block's rows L2-normalised exactly as {@code eval} normalises them (row by row, so blocks do not matter). */
    static Embeddings normalized(RowBlock b) {
        return ReferenceKernels.normalized(b.embeddings()); // rows were validated (finite, not zero) when the blocks were cut
    }

    private static long[] add(long[] a, long[] b) {
        long[] s = a.clone();
        for (int i = 0; i < s.length; i++) s[i] += b[i];
        return s;
    }

    private long[] imageStarts;

    /** First global index of each image block (by block id). */
    private long[] imageStarts() {
        if (imageStarts == null) imageStarts = starts(images);
        return imageStarts;
    }

    private static long[] starts(JavaRDD<RowBlock> blocks) {
        List<Tuple2<Integer, Long>> ids = blocks.map(b -> new Tuple2<>(b.id(), b.start())).collect();
        long[] out = new long[ids.size()];
        for (Tuple2<Integer, Long> t : ids) out[t._1()] = t._2();
        return out;
    }

    /**
     * The sampled protocol's scores: the rows that any sample draws are gathered to the driver once (samples are
     * small), and scored there exactly as {@code eval} scores them; a sample of every image is the full set.
     */
    private final class SampleRows implements ScoreSource {
        private final BidirectionalRanks full;
        private final int[] imageSlot;
        private final int[] captionSlot;
        private final EmbeddingSource gathered;

        SampleRows(BidirectionalRanks full, int[] sizes, int iterations, long seed) {
            this.full = full;
            BitSet wanted = new BitSet(nImages);
            SampledProtocol draws = new SampledProtocol(this);
            for (int size : sizes) {
                if (size == nImages) continue;
                for (int it = 0; it < iterations; it++) for (int i : draws.drawImages(size, it, seed)) wanted.set(i);
            }
            imageSlot = slots(wanted, nImages);
            BitSet wantedCaptions = new BitSet(nCaptions);
            for (int c = 0; c < nCaptions; c++) if (wanted.get((int) captionImage[c])) wantedCaptions.set(c);
            captionSlot = slots(wantedCaptions, nCaptions);
            Broadcast<BitSet> wi = sc.broadcast(wanted), wc = sc.broadcast(wantedCaptions);
            Embeddings im = gather(images, wi, wanted.cardinality()), tx = gather(captions, wc, wantedCaptions.cardinality());
            long[] local = new long[wantedCaptions.cardinality()];
            for (int c = wantedCaptions.nextSetBit(0); c >= 0; c = wantedCaptions.nextSetBit(c + 1)) local[captionSlot[c]] = imageSlot[(int) captionImage[c]];
            gathered = wanted.isEmpty() ? null : new EmbeddingSource(im, tx, local, new CpuBackend());
            wi.destroy();
            wc.destroy();
        }

        private static int[] slots(BitSet set, int n) {
            int[] slot = new int[n];
            Arrays.fill(slot, -1);
            int k = 0;
            for (int i = set.nextSetBit(0); i >= 0; i = set.nextSetBit(i + 1)) slot[i] = k++;
            return slot;
        }

        /** The wanted rows, raw, in global order. */
        private Embeddings gather(JavaRDD<RowBlock> blocks, Broadcast<BitSet> wanted, int count) {
            List<Tuple2<Long, float[]>> rows = blocks.flatMap(b -> {
                BitSet w = wanted.value();
                List<Tuple2<Long, float[]>> out = new ArrayList<>();
                for (int r = 0; r < b.rows(); r++)
                    if (w.get((int) (b.start() + r))) out.add(new Tuple2<>(b.start() + r, Arrays.copyOfRange(b.data(), r * b.dim(), (r + 1) * b.dim())));
                return out.iterator();
            }).collect();
            if (count == 0) return null;
            int dim = rows.get(0)._2().length;
            float[] data = new float[count * dim];
            List<Tuple2<Long, float[]>> sorted = new ArrayList<>(rows);
            sorted.sort((a, b) -> Long.compare(a._1(), b._1()));
            for (int k = 0; k < sorted.size(); k++) System.arraycopy(sorted.get(k)._2(), 0, data, k * dim, dim);
            return new Embeddings(data, count, dim);
        }

        @Override
        public int images() {
            return nImages;
        }

        @Override
        public int captions() {
            return nCaptions;
        }

        @Override
        public long[] captionImage() {
            return captionImage;
        }

        @Override
        public BidirectionalRanks fullRanks() {
            return full;
        }

        @Override
        public BidirectionalRanks subsetRanks(int[] imageIdx, int[] captionIdx, int[] captionLocalImage) {
            if (imageIdx.length == nImages) return full;
            int[] im = new int[imageIdx.length], tx = new int[captionIdx.length];
            for (int k = 0; k < im.length; k++) im[k] = imageSlot[imageIdx[k]];
            for (int k = 0; k < tx.length; k++) tx[k] = captionSlot[captionIdx[k]];
            return gathered.subsetRanks(im, tx, captionLocalImage);
        }
    }
}
