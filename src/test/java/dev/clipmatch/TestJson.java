package dev.clipmatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.clipmatch.io.JsonFiles;
import java.util.Map;

/** Reading JSON fixtures and outputs in tests as plain maps (integers as Long, other numbers as Double). */
public final class TestJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build();

    private TestJson() {}

    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        try {
            return MAPPER.readValue(text, Map.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        }
    }

    public static String write(Object value) {
        return JsonFiles.compact(value);
    }
}
