package dev.clipmatch.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.clipmatch.InputFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON through Jackson: typed reading of configs, registries and outputs into records (snake_case keys), with
 * a malformed file reported as one {@link InputFileException} naming it and the line/column; and writing in the
 * house layout (2-space indent, lists of scalars on one line), so that outputs stay byte for byte as they were.
 */
public final class JsonFiles {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS) // "224" is not a number
            .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .build();

    /** For files of other tools (Hugging Face configs, safetensors headers, datasets): plain maps, lists, Long/Double. */
    private static final ObjectMapper UNTYPED = JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build();

    private JsonFiles() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** A file as {@code type}; unreadable or malformed is an {@link InputFileException} naming {@code file}. */
    public static <T> T read(Path file, Class<T> type) {
        return parse(readText(file), file.toString(), type);
    }

    /** JSON text as {@code type}; {@code where} (a file name) prefixes any error. */
    public static <T> T parse(String text, String where, Class<T> type) {
        try {
            T value = MAPPER.readValue(text, type);
            if (value == null) throw new InputFileException(where + ": expected JSON, found null");
            return value;
        } catch (JsonProcessingException e) {
            throw malformed(where, e);
        }
    }

    /** JSON text as a tree (for files whose shape is checked by hand). */
    public static JsonNode parseTree(String text, String where) {
        return parse(text, where, JsonNode.class);
    }

    /**
     * A JSON object of another tool's format as an insertion-ordered map of maps, lists, strings, Long/Double,
     * Boolean and null; malformed text or another top-level value is an {@link InputFileException} naming {@code where}.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text, String where) {
        Object value = parseValue(text, where);
        if (!(value instanceof Map)) throw new InputFileException(where + ": expected a JSON object");
        return (Map<String, Object>) value;
    }

    /** Any JSON value, as {@link #parseObject} reads objects. */
    public static Object parseValue(String text, String where) {
        try {
            return UNTYPED.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw malformed(where, e);
        }
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new InputFileException(file + ": no such file", e);
        } catch (IOException e) {
            throw new InputFileException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** One line: where, line, column and Jackson's reason without its location and source excerpt. */
    public static InputFileException malformed(String where, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String position = at == null || at.getLineNr() < 1 ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
        String reason = e.getOriginalMessage().lines().findFirst().orElse("malformed JSON");
        return new InputFileException(where + ": " + position + reason, e);
    }

    /** Indented JSON text (2 spaces, lists of scalars on one line) of a record, map, list or scalar, ending in a newline. */
    public static String pretty(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, MAPPER.valueToTree(value), 2, 0);
        return sb.append('\n').toString();
    }

    /** Compact JSON text (one line, no spaces). */
    public static String compact(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, MAPPER.valueToTree(value), -1, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, JsonNode v, int indent, int depth) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            sb.append("null");
        } else if (v.isTextual()) {
            quote(sb, v.textValue());
        } else if (v.isFloatingPointNumber()) {
            double d = v.doubleValue(); // a float widened to double, as the earlier writer printed it
            if (Double.isNaN(d) || Double.isInfinite(d)) sb.append("null");
            else if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d).append(".0");
            else sb.append(d);
        } else if (v.isNumber() || v.isBoolean()) {
            sb.append(v.asText());
        } else if (v.isObject()) {
            sb.append('{');
            int i = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (i++ > 0) sb.append(',');
                newline(sb, indent, depth + 1);
                quote(sb, e.getKey());
                sb.append(indent >= 0 ? ": " : ":");
                write(sb, e.getValue(), indent, depth + 1);
            }
            if (i > 0) newline(sb, indent, depth);
            sb.append('}');
        } else if (v.isArray()) {
            // Lists of scalars stay on one line; lists of objects or lists get one element per line.
            boolean nested = false;
            for (JsonNode o : v) nested |= o.isContainerNode();
            sb.append('[');
            int i = 0;
            for (JsonNode o : v) {
                if (i++ > 0) sb.append(nested || indent < 0 ? "," : ", ");
                if (nested) newline(sb, indent, depth + 1);
                write(sb, o, indent, depth + 1);
            }
            if (nested && i > 0) newline(sb, indent, depth);
            sb.append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + v.getNodeType() + " as JSON");
        }
    }

    private static void newline(StringBuilder sb, int indent, int depth) {
        if (indent < 0) return;
        sb.append('\n');
        sb.append(" ".repeat(indent * depth));
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
