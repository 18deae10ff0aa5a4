package dev.filewall.daemon;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.filewall.rules.Action;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * /etc/filewall/filewall.yaml: what `filewall run` does when its flags do not say otherwise
 * (README "Configuration" documents every key). A key left out is null here: the flag's
 * default applies. Relative paths are relative to the file's directory.
 */
public record Config(Path rules, String rulesFormat, Log log, Store store, Integer floodWindowMs, Unresolved unresolved,
                     Boolean dryRun, Address http, Address metrics, Integer tableBlocks, Path pidFile) {
    public static final Path DEFAULT = Path.of("/etc/filewall/filewall.yaml");
    public static final Config EMPTY = new Config(null, null, null, null, null, null, null, null, null, null, null);

    public Config {
        if (rulesFormat != null && !List.of("yaml", "ilocker").contains(rulesFormat))
            throw new IllegalArgumentException("rules_format: expected yaml or ilocker, got '" + rulesFormat + "'");
        if (floodWindowMs != null && floodWindowMs < 0) throw new IllegalArgumentException("flood_window_ms: must be 0 or more");
        if (tableBlocks != null && tableBlocks < 1) throw new IllegalArgumentException("table_blocks: must be 1 or more");
    }

    public record Log(Path csv, Path json) {}

    public record Store(Path path, Integer retentionDays, Integer retentionMb) {
        public Store {
            if (retentionDays != null && retentionDays < 0) throw new IllegalArgumentException("retention_days: must be 0 or more");
            if (retentionMb != null && retentionMb < 0) throw new IllegalArgumentException("retention_mb: must be 0 or more");
        }
    }

    public record Unresolved(Action modify, Action read) {}

    /** HOST:PORT, an IPv6 host in brackets: where a server listens. */
    public record Address(String host, int port) {
        /** A port alone is a YAML number, hence Object; that is an error too, but a precise one. */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static Address of(Object value) {
            return parse(String.valueOf(value));
        }

        public static Address parse(String s) {
            int colon = s.lastIndexOf(':');
            String host = colon < 0 ? "" : s.substring(0, colon), port = s.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            if (host.isEmpty() || !port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535)
                throw new IllegalArgumentException("expected HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464), got '" + s + "'");
            return new Address(host, Integer.parseInt(port));
        }

        public InetSocketAddress socket() {
            return new InetSocketAddress(host, port);
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** Every problem of a configuration file, each as FILE:LINE:COLUMN: what is wrong. */
    public static final class ConfigException extends Exception {
        private final List<String> errors;

        ConfigException(List<String> errors) {
            super(String.join("\n", errors));
            this.errors = List.copyOf(errors);
        }

        public List<String> errors() {
            return errors;
        }
    }

    private static final ObjectMapper MAPPER = JsonMapper.builder(new YAMLFactory())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final PropertyNamingStrategies.NamingBase SNAKE = (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    /** Reads a configuration file; a file that is empty or only comments sets nothing. */
    public static Config load(Path file) throws ConfigException {
        String name = file.toString(), text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(name + ": no such file"));
        } catch (IOException e) {
            throw new ConfigException(List.of(name + ": " + e.getMessage()));
        }
        List<String> unknown = new ArrayList<>();
        Map<String, Value> values = new HashMap<>();
        try (JsonParser p = MAPPER.createParser(text)) {
            if (p.nextToken() == null) return EMPTY;
            values.put("", new Value(p.currentTokenLocation(), p.currentToken()));
            if (p.currentToken() == JsonToken.START_OBJECT) keys(p, Config.class, "", name, values, unknown);
            if (!unknown.isEmpty()) throw new ConfigException(unknown);
            return MAPPER.readValue(text, Config.class).relativeTo(file.toAbsolutePath().getParent());
        } catch (JsonMappingException e) {
            throw new ConfigException(List.of(valueError(name, e, values)));
        } catch (JsonProcessingException e) {
            throw new ConfigException(List.of(at(name, e.getLocation()) + "YAML: " + firstLine(e.getOriginalMessage())));
        } catch (IOException e) {
            throw new ConfigException(List.of(name + ": " + e.getMessage()));
        }
    }

    /** Where a key's value starts, and what it starts with. */
    private record Value(JsonLocation at, JsonToken token) {}

    /**
     * Walks the token stream from a mapping's START_OBJECT: notes where each key's value is
     * (path "store.retention_days"), and reports every key that no record component names, at
     * every level. Jackson cannot do either for records: it buffers their keys without positions.
     */
    private static void keys(JsonParser p, Class<?> type, String prefix, String file, Map<String, Value> values,
                             List<String> unknown) throws IOException {
        Map<String, Class<?>> known = new TreeMap<>();
        for (RecordComponent c : type.getRecordComponents()) known.put(SNAKE.translate(c.getName()), c.getType());
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonLocation keyAt = p.currentTokenLocation();
            Class<?> t = known.get(key);
            JsonToken v = p.nextToken();
            values.put(prefix + key, new Value(p.currentTokenLocation(), v));
            if (t == null) {
                unknown.add(at(file, keyAt) + "unknown key '" + key + "' (expected one of: " + String.join(", ", known.keySet()) + ")");
                p.skipChildren();
            } else if (v == JsonToken.START_OBJECT && t.isRecord()) {
                keys(p, t, prefix + key + ".", file, values, unknown);
            } else {
                p.skipChildren();
            }
        }
    }

    /**
     * FILE:LINE:COL: key: what is wrong. A record's own check ("retention_days: must be 0 or
     * more") fails where Jackson has already left the value, so its position is looked up.
     */
    private static String valueError(String file, JsonMappingException e, Map<String, Value> values) {
        String key = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
        JsonLocation where = e.getLocation();
        String m = firstLine(e.getOriginalMessage());
        if (e.getCause() instanceof IllegalArgumentException check) {
            m = check.getMessage();
            java.util.regex.Matcher named = java.util.regex.Pattern.compile("^([a-z_]+): (.*)").matcher(m);
            if (named.matches()) {
                key = key.isEmpty() ? named.group(1) : key + "." + named.group(1);
                m = named.group(2);
                if (values.containsKey(key)) where = values.get(key).at();
            }
        } else if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            // Jackson's words name Java types: say what the file should have had instead
            Value v = values.get(key);
            m = "expected " + expected(mismatch.getTargetType()) + ", got " + (e instanceof InvalidFormatException f
                    ? "'" + f.getValue() + "'" : v == null ? "something else" : found(v.token()));
        }
        return at(file, where) + (key.isEmpty() ? "" : key + ": ") + m;
    }

    private static String expected(Class<?> type) {
        if (type.isRecord()) return "a mapping with " + String.join(", ",
                java.util.Arrays.stream(type.getRecordComponents()).map(c -> SNAKE.translate(c.getName())).toList());
        if (type == Action.class) return "pass, log or deny";
        if (type == Integer.class || type == int.class) return "a whole number";
        if (type == Boolean.class) return "true or false";
        if (type == Path.class) return "a path";
        return "a single value";
    }

    private static String found(JsonToken t) {
        if (t == null) return "nothing";
        return switch (t) {
            case START_ARRAY -> "a list";
            case START_OBJECT -> "a mapping";
            case VALUE_STRING -> "text";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "true or false";
            default -> "something else";
        };
    }

    private static String at(String file, JsonLocation l) {
        return file + ":" + (l == null ? 1 : l.getLineNr()) + ":" + (l == null ? 1 : l.getColumnNr()) + ": ";
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse("");
    }

    private Config relativeTo(Path dir) {
        return new Config(resolve(dir, rules), rulesFormat,
                log == null ? null : new Log(resolve(dir, log.csv()), resolve(dir, log.json())),
                store == null ? null : new Store(resolve(dir, store.path()), store.retentionDays(), store.retentionMb()),
                floodWindowMs, unresolved, dryRun, http, metrics, tableBlocks, resolve(dir, pidFile));
    }

    private static Path resolve(Path dir, Path p) {
        return p == null ? null : dir.resolve(p);
    }
}
