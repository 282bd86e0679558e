package dev.clipmatch.data;

import dev.clipmatch.InputFileException;
import dev.clipmatch.io.InputFiles;
import dev.clipmatch.io.JsonFiles;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads caption files into a {@link Dataset}, choosing the format by name: Karpathy-split JSON
 * ({@code [{"image_name", "file_path"?, "captions": [...]}]}), Flickr {@code *.token} files
 * ({@code image.jpg#k<TAB>caption}), TSV ({@code image<TAB>...<TAB>caption}, header optional) and JSONL
 * ({@code {"image": ..., "caption": ...}} or {@code "captions": [...]}). Errors name the file and line.
 */
public final class DatasetReader {
    private DatasetReader() {}

    public static Dataset read(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String text;
        try {
            byte[] bytes = InputFiles.readAll(file, InputFiles.TEXT_LIMIT);
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InputFileException(file + ": not valid UTF-8");
        }
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        String label = file.getFileName().toString();
        if (name.endsWith(".json")) return karpathy(file, text, label);
        List<String> lines = text.lines().toList();
        if (name.endsWith(".jsonl")) return jsonl(file, lines, label);
        if (name.endsWith(".token") || name.endsWith(".token.txt")) return token(file, lines, label);
        if (name.endsWith(".tsv") || name.endsWith(".txt")) return tsv(file, lines, label);
        throw new InputFileException(file + ": unknown caption file format (expected .json Karpathy split, .token, .tsv or .jsonl)");
    }

    /** Collects captions per image in order of first appearance. */
    private static final class Builder {
        final Map<String, Integer> index = new LinkedHashMap<>();
        final List<String> captions = new ArrayList<>();
        final List<Long> map = new ArrayList<>();

        /** {@code where} locates the caption in the file ("FILE:LINE" or "FILE: entry K") for errors. */
        void add(String image, String caption, String where) {
            if (caption.isBlank()) throw new InputFileException(where + ": empty caption for image " + image);
            int i = index.computeIfAbsent(image, k -> index.size());
            captions.add(caption);
            map.add((long) i);
        }

        void addImage(String image) {
            index.computeIfAbsent(image, k -> index.size());
        }

        Dataset build(Path file, String name) {
            if (captions.isEmpty()) throw new InputFileException(file + ": no captions found");
            int[] count = new int[index.size()];
            for (long m : map) count[(int) m]++;
            List<String> images = new ArrayList<>(index.keySet());
            for (int i = 0; i < count.length; i++) {
                if (count[i] == 0) throw new InputFileException(file + ": image " + images.get(i) + " has no caption");
            }
            return new Dataset(name, images, captions, map.stream().mapToLong(Long::longValue).toArray());
        }
    }

    @SuppressWarnings("unchecked")
    private static Dataset karpathy(Path file, String text, String name) {
        Object root = JsonFiles.parseValue(text, file.toString());
        if (root instanceof Map<?, ?> m && m.get("images") instanceof List<?> l) root = l; // Karpathy's dataset_*.json
        if (!(root instanceof List<?> entries)) throw new InputFileException(file + ": expected a JSON list of {image_name, captions} objects");
        Builder b = new Builder();
        Map<String, Integer> entryOf = new java.util.HashMap<>();
        int k = 0;
        for (Object o : entries) {
            k++;
            if (!(o instanceof Map<?, ?> raw)) throw new InputFileException(file + ": entry " + k + " is not an object");
            Map<String, Object> e = (Map<String, Object>) raw;
            Object image = e.containsKey("image_name") ? e.get("image_name") : e.getOrDefault("filename", e.get("image"));
            if (!(image instanceof String img)) throw new InputFileException(file + ": entry " + k + " has no image_name");
            Object dir = e.containsKey("file_path") ? e.get("file_path") : e.get("filepath");
            String path = dir instanceof String d && !d.isEmpty() ? d + "/" + img : img;
            Object caps = e.containsKey("captions") ? e.get("captions") : e.get("sentences");
            if (!(caps instanceof List<?> list) || list.isEmpty()) throw new InputFileException(file + ": entry " + k + " (" + img + ") has no captions");
            Integer earlier = entryOf.putIfAbsent(path, k);
            if (earlier != null) throw new InputFileException(file + ": entry " + k + " repeats image " + path + " of entry " + earlier + " (one entry per image)");
            b.addImage(path);
            for (Object c : list) {
                Object t = c instanceof Map<?, ?> sent ? sent.get("raw") : c;
                if (!(t instanceof String s)) throw new InputFileException(file + ": entry " + k + " (" + img + ") has a caption that is not a string");
                b.add(path, s, file + ": entry " + k);
            }
        }
        return b.build(file, name);
    }

    private static Dataset token(Path file, List<String> lines, String name) {
        Builder b = new Builder();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) continue;
            int tab = line.indexOf('\t'), hash = line.lastIndexOf('#', tab < 0 ? line.length() : tab);
            if (tab < 0 || hash < 0) throw new InputFileException(file + ":" + (n + 1) + ": expected 'image.jpg#k<TAB>caption'");
            b.add(line.substring(0, hash), line.substring(tab + 1).strip(), file + ":" + (n + 1));
        }
        return b.build(file, name);
    }

    private static Dataset tsv(Path file, List<String> lines, String name) {
        Builder b = new Builder();
        int imageCol = 0, captionCol = -1, start = 0;
        if (!lines.isEmpty()) {
            String[] head = lines.get(0).split("\t", -1);
            for (int i = 0; i < head.length; i++) {
                String h = head[i].strip().toLowerCase(Locale.ROOT);
                if (h.equals("image") || h.equals("image_path") || h.equals("image_name") || h.equals("filename")) {
                    imageCol = i;
                    start = 1;
                }
                if (h.equals("caption") || h.equals("text")) {
                    captionCol = i;
                    start = 1;
                }
            }
        }
        for (int n = start; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) continue;
            String[] cols = line.split("\t", -1);
            int cap = captionCol >= 0 ? captionCol : cols.length - 1;
            if (cols.length < 2 || cap >= cols.length || imageCol >= cols.length)
                throw new InputFileException(file + ":" + (n + 1) + ": expected tab-separated image and caption columns");
            if (cols[imageCol].isBlank()) throw new InputFileException(file + ":" + (n + 1) + ": empty image path");
            b.add(cols[imageCol].strip(), cols[cap].strip(), file + ":" + (n + 1));
        }
        return b.build(file, name);
    }

    private static Dataset jsonl(Path file, List<String> lines, String name) {
        Builder b = new Builder();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) continue;
            Map<String, Object> o = JsonFiles.parseObject(line, file + ":" + (n + 1));
            if (!(o.get("image") instanceof String image)) throw new InputFileException(file + ":" + (n + 1) + ": missing \"image\"");
            if (o.get("caption") instanceof String c) {
                b.add(image, c, file + ":" + (n + 1));
            } else if (o.get("captions") instanceof List<?> list && !list.isEmpty()) {
                for (Object c2 : list) {
                    if (!(c2 instanceof String s)) throw new InputFileException(file + ":" + (n + 1) + ": captions must be strings");
                    b.add(image, s, file + ":" + (n + 1));
                }
            } else {
                throw new InputFileException(file + ":" + (n + 1) + ": missing \"caption\" or \"captions\"");
            }
        }
        return b.build(file, name);
    }
}
