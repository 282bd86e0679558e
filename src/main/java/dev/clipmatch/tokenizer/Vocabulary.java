package dev.clipmatch.tokenizer;

import dev.clipmatch.InputFileException;
import dev.clipmatch.io.JsonFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * CLIP's BPE vocabulary in either published form: OpenAI's {@code bpe_simple_vocab_16e6.txt.gz} (a header
 * line, then merges; the vocabulary is derived from them) or Hugging Face's {@code vocab.json} +
 * {@code merges.txt}. Both use the first 48,894 merges, as the original and HF's CLIPTokenizer do.
 */
final class Vocabulary {
    static final String START_OF_TEXT = "<|startoftext|>";
    static final String END_OF_TEXT = "<|endoftext|>";
    /** {@code merges[1:49152-256-2+1]} in the original: the merges a 49,408-id vocabulary has room for. */
    static final int MERGES_USED = 49152 - 256 - 2;
    private static final String END_OF_WORD = "</w>";

    /** Symbol string to id ({@code dict(zip(vocab, range(len(vocab))))}: a repeated string keeps its last id). */
    final Map<String, Integer> encoder;
    /** The merges in rank order, each as its two symbol strings. */
    final List<String[]> merges;
    final int startOfText;
    final int endOfText;

    private Vocabulary(Map<String, Integer> encoder, List<String[]> merges, String source) {
        this.encoder = encoder;
        this.merges = merges;
        Integer sot = encoder.get(START_OF_TEXT), eot = encoder.get(END_OF_TEXT);
        if (sot == null || eot == null)
            throw new InputFileException(source + ": malformed vocabulary: no " + START_OF_TEXT + "/" + END_OF_TEXT + " entries");
        this.startOfText = sot;
        this.endOfText = eot;
        for (int b = 0; b < 256; b++) {
            String symbol = String.valueOf(ByteSymbols.symbol(b));
            if (!encoder.containsKey(symbol) || !encoder.containsKey(symbol + END_OF_WORD))
                throw new InputFileException(source + ": malformed vocabulary: no entry for byte symbol '" + symbol + "'");
        }
    }

    int size() {
        return encoder.size();
    }

    /** OpenAI's gzip file: the vocabulary is the 256 byte symbols, the same with {@code </w>}, the merges, the two specials. */
    static Vocabulary fromBpeGzip(Path path) {
        List<String[]> merges = new ArrayList<>(MERGES_USED);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path), 1 << 16);
                BufferedReader reader = strictUtf8(in)) {
            if (reader.readLine() == null) throw new InputFileException(path + ": malformed vocabulary: the file is empty");
            readMerges(reader, path, 2, merges);
        } catch (ZipException e) {
            throw new InputFileException(path + ": not a gzip file (" + e.getMessage() + ")");
        } catch (CharacterCodingException e) {
            throw new InputFileException(path + ": malformed vocabulary: not UTF-8 text");
        } catch (NoSuchFileException e) {
            throw new InputFileException(path + ": no such file");
        } catch (IOException e) {
            throw new InputFileException("cannot read " + path + ": " + e.getMessage());
        }
        List<String> vocab = new ArrayList<>(MERGES_USED + 514);
        for (int i = 0; i < 256; i++) vocab.add(String.valueOf(ByteSymbols.symbol(ByteSymbols.byteAt(i))));
        for (int i = 0; i < 256; i++) vocab.add(ByteSymbols.symbol(ByteSymbols.byteAt(i)) + END_OF_WORD);
        for (String[] m : merges) vocab.add(m[0] + m[1]);
        vocab.add(START_OF_TEXT);
        vocab.add(END_OF_TEXT);
        Map<String, Integer> encoder = new HashMap<>(vocab.size() * 2);
        for (int i = 0; i < vocab.size(); i++) encoder.put(vocab.get(i), i);
        return new Vocabulary(encoder, merges, path.toString());
    }

    /** Hugging Face's files: ids from vocab.json, ranks from merges.txt (first line a '#version' header). */
    static Vocabulary fromHuggingFace(Path vocabJson, Path mergesTxt) {
        if (!Files.exists(mergesTxt))
            throw new InputFileException(mergesTxt + ": no such file (Hugging Face vocabularies need merges.txt beside vocab.json)");
        Map<String, Object> json;
        try {
            json = JsonFiles.parseObject(Files.readString(vocabJson, StandardCharsets.UTF_8), vocabJson + ": malformed vocabulary");
        } catch (NoSuchFileException e) {
            throw new InputFileException(vocabJson + ": no such file");
        } catch (CharacterCodingException e) {
            throw new InputFileException(vocabJson + ": malformed vocabulary: not UTF-8 text");
        } catch (IOException e) {
            throw new InputFileException("cannot read " + vocabJson + ": " + e.getMessage());
        }
        Map<String, Integer> encoder = new HashMap<>(json.size() * 2);
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (!(e.getValue() instanceof Long id) || id < 0 || id >= Integer.MAX_VALUE)
                throw new InputFileException(vocabJson + ": malformed vocabulary: id of '" + e.getKey() + "' is not a non-negative integer");
            encoder.put(e.getKey(), (int) (long) id);
        }
        List<String[]> merges = new ArrayList<>(MERGES_USED);
        try (BufferedReader reader = strictUtf8(Files.newInputStream(mergesTxt))) {
            String header = reader.readLine();
            if (header == null || !header.startsWith("#"))
                throw new InputFileException(mergesTxt + ": malformed merges: line 1 is not a '#version' header");
            readMerges(reader, mergesTxt, 2, merges);
        } catch (CharacterCodingException e) {
            throw new InputFileException(mergesTxt + ": malformed merges: not UTF-8 text");
        } catch (IOException e) {
            throw new InputFileException("cannot read " + mergesTxt + ": " + e.getMessage());
        }
        for (int i = 0; i < merges.size(); i++) {
            String merged = merges.get(i)[0] + merges.get(i)[1];
            if (!encoder.containsKey(merged))
                throw new InputFileException(mergesTxt + ": line " + (i + 2) + ": merged symbol '" + merged + "' is not in " + vocabJson.getFileName());
        }
        return new Vocabulary(encoder, merges, vocabJson.toString());
    }

    /** Reads up to {@link #MERGES_USED} lines "a b" (Python's str.split: any whitespace); fewer is an error. */
    private static void readMerges(BufferedReader reader, Path path, int firstLineNumber, List<String[]> merges) throws IOException {
        int lineNumber = firstLineNumber;
        String line;
        while (merges.size() < MERGES_USED && (line = reader.readLine()) != null) {
            String[] parts = splitWhitespace(line);
            if (parts.length != 2)
                throw new InputFileException(path + ": line " + lineNumber + ": malformed merge '" + line + "' (expected two symbols)");
            merges.add(parts);
            lineNumber++;
        }
        if (merges.size() < MERGES_USED)
            throw new InputFileException(path + ": malformed vocabulary: " + merges.size() + " merges, CLIP needs " + MERGES_USED);
    }

    /** Python's {@code str.split()} for merge lines (byte symbols are never whitespace, so ASCII rules suffice). */
    private static String[] splitWhitespace(String line) {
        List<String> parts = new ArrayList<>(2);
        int n = line.length();
        for (int i = 0; i < n; ) {
            while (i < n && line.charAt(i) <= ' ') i++;
            int start = i;
            while (i < n && line.charAt(i) > ' ') i++;
            if (i > start) parts.add(line.substring(start, i));
        }
        return parts.toArray(new String[0]);
    }

    private static BufferedReader strictUtf8(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
    }
}
