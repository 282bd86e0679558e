package dev.clipmatch.io;

import dev.clipmatch.InputFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** The inputs of an embedding job: image list files or directories, and UTF-8 text files of one item per line. */
public final class InputLists {
    private static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff", "gif", "ppm", "pgm");

    private InputLists() {}

    /** A directory's images sorted by name, or a list file's paths (relative to the list's folder; order kept). */
    public static List<Path> images(Path source) {
        if (Files.isDirectory(source)) {
            try (Stream<Path> s = Files.list(source)) {
                return s.filter(Files::isRegularFile).filter(p -> IMAGE_EXTENSIONS.contains(extension(p))).sorted().toList();
            } catch (IOException e) {
                throw new InputFileException(source + ": cannot list (" + e.getMessage() + ")");
            }
        }
        List<Path> out = new ArrayList<>();
        Path base = source.toAbsolutePath().getParent();
        for (String line : lines(source)) {
            String t = line.strip();
            if (t.isEmpty()) continue;
            Path p = Path.of(t);
            out.add(p.isAbsolute() ? p : base.resolve(p).normalize());
        }
        return out;
    }

    /** Lines of a UTF-8 file (BOM and CR dropped); invalid UTF-8 is an error naming the file and line. */
    public static List<String> lines(Path file) {
        byte[] bytes = InputFiles.readAll(file, InputFiles.TEXT_LIMIT);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') end++;
            int stop = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            try {
                lines.add(utf8.decode(ByteBuffer.wrap(bytes, start, stop - start)).toString());
            } catch (CharacterCodingException e) {
                throw new InputFileException(file + ": line " + (lines.size() + 1) + " is not valid UTF-8");
            }
            start = end + 1;
        }
        return lines;
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
