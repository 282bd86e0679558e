package dev.clipmatch.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.ClipMatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The caption-file readers on the real Flickr30K, COCO and Flickr8k files, and on malformed input. */
class DatasetReaderTest {
    @TempDir
    Path dir;

    @Test
    void flickr30kKarpathyTest() {
        Dataset d = DatasetReader.read(TestData.path("flickr30k/flickr30k_karpathy_test.json"));
        assertEquals(1000, d.images().size());
        assertEquals(5000, d.captions().size());
        assertEquals("1007129816.jpg", d.images().get(0));
        assertEquals("The man with pierced ears is wearing glasses and an orange hat.", d.captions().get(0));
        for (int c = 0; c < 5000; c++) assertEquals(c / 5, d.captionImage()[c]); // caption k of image i is 5i+k
    }

    @Test
    void cocoKeepsAll25010CaptionsOrTheClassic25000() {
        Dataset d = DatasetReader.read(TestData.path("coco/coco_karpathy_test5k.json"));
        assertEquals(5000, d.images().size());
        assertEquals(25010, d.captions().size());
        assertEquals("val2014/COCO_val2014_000000391895.jpg", d.images().get(0));
        Dataset five = d.firstCaptions(5);
        assertEquals(25000, five.captions().size());
        assertEquals(d.captions().get(0), five.captions().get(0));
    }

    @Test
    void flickrTokenFileAndGeneratedTsv() {
        Dataset token = DatasetReader.read(TestData.path("flickr8k/Flickr8k.token.txt"));
        // 8,092 photos, but the file names one caption's image "2258277193_586949ec62.jpg.1" (a known Flickr8k quirk)
        assertEquals(8093, token.images().size());
        assertEquals(40460, token.captions().size());
        assertEquals("1000268201_693b08cb0e.jpg", token.images().get(0));
        Dataset tsv = DatasetReader.read(TestData.path("image_captions.tsv"));
        assertEquals(183, tsv.captions().size());
        assertEquals("flickr8k/images/1000268201_693b08cb0e.jpg", tsv.images().get(0));
        List<String> missing = new ArrayList<>();
        tsv.resolve(TestData.root(), missing);
        assertEquals(List.of("skimage/camera.png"), missing, "the TSV lists camera.png, which scikit-image no longer ships");
    }

    @Test
    void jsonlAndMissingImages() throws Exception {
        Path f = dir.resolve("custom.jsonl");
        Files.writeString(f, "{\"image\": \"a.jpg\", \"caption\": \"a cat\"}\n\n{\"image\": \"b.jpg\", \"captions\": [\"a dog\", \"a puppy\"]}\n{\"image\": \"a.jpg\", \"caption\": \"a kitten\"}\n");
        Dataset d = DatasetReader.read(f);
        assertEquals(List.of("a.jpg", "b.jpg"), d.images());
        assertEquals(List.of("a cat", "a dog", "a puppy", "a kitten"), d.captions());
        assertEquals(0, d.captionImage()[3]);
        Files.writeString(dir.resolve("b.jpg"), "x");
        List<String> missing = new ArrayList<>();
        d.resolve(dir, missing);
        assertEquals(List.of("a.jpg"), missing);
        Dataset kept = d.without(new boolean[] {true, false});
        assertEquals(List.of("b.jpg"), kept.images());
        assertEquals(List.of("a dog", "a puppy"), kept.captions());
        assertEquals(0, kept.captionImage()[1]);
    }

    @Test
    void malformedFilesNameFileAndLine() throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"image\": \"a.jpg\", \"caption\": \"ok\"}\n{\"image\": 3}\n");
        assertTrue(assertThrows(ClipMatchException.class, () -> DatasetReader.read(bad)).getMessage().endsWith("bad.jsonl:2: missing \"image\""));
        Path tok = dir.resolve("x.token");
        Files.writeString(tok, "a.jpg#0\tfine\nno tab here\n");
        assertTrue(assertThrows(ClipMatchException.class, () -> DatasetReader.read(tok)).getMessage().contains("x.token:2:"));
        Path json = dir.resolve("k.json");
        Files.writeString(json, "[{\"image_name\": \"a.jpg\", \"captions\": []}]");
        assertTrue(assertThrows(ClipMatchException.class, () -> DatasetReader.read(json)).getMessage().contains("entry 1 (a.jpg) has no captions"));
        Path notUtf8 = dir.resolve("n.tsv");
        Files.write(notUtf8, new byte[] {'a', '\t', (byte) 0xff, '\n'});
        assertTrue(assertThrows(ClipMatchException.class, () -> DatasetReader.read(notUtf8)).getMessage().contains("not valid UTF-8"));
        assertTrue(assertThrows(ClipMatchException.class, () -> DatasetReader.read(dir.resolve("none.json"))).getMessage().contains("no such file"));
    }
}
