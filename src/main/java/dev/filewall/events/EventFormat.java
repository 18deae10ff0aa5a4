package dev.filewall.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * The log's two line formats. CSV is the iLocker seed's:
 * {@code time,OPERATION,uid,pid,exe_path,file_path,file_path2,action}, a field quoted (RFC 4180)
 * where it holds a comma, a quote or a line break. In both, bytes that are not valid UTF-8
 * are written as {@code \xHH} and a backslash as {@code \\}, so no byte of a path is lost.
 */
public final class EventFormat {
    private EventFormat() {}

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** The last second formatted: a drain writes many events a second, and formatting was most of a line's cost. */
    private record Stamp(long second, ZoneId zone, String text) {}
    private static volatile Stamp last = new Stamp(Long.MIN_VALUE, null, "");

    static String time(java.time.Instant t, ZoneId zone) {
        Stamp s = last;
        if (s.second() != t.getEpochSecond() || !zone.equals(s.zone())) {
            s = new Stamp(t.getEpochSecond(), zone, TIME.format(t.atZone(zone)));
            last = s;
        }
        return s.text();
    }
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The seed's eight fields; a ninth, {@code repeats=N}, when flood control folded N identical attempts into it. */
    public static String csv(Event e, ZoneId zone) {
        String line = String.join(",", time(e.time(), zone), e.op().name(), Long.toString(e.uid()),
                Integer.toString(e.pid()), field(text(e.exe())), field(text(e.path())), field(text(e.path2())),
                e.actionWord());
        return e.repeats() == 0 ? line : line + ",repeats=" + Integer.toUnsignedString(e.repeats());
    }

    public static String json(Event e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("time", e.time().toString());
        o.put("op", e.op().name());
        o.put("uid", e.uid());
        o.put("pid", e.pid());
        o.put("ppid", e.ppid());
        o.put("exe", text(e.exe()));
        o.put("cmdline", text(e.cmdline()));
        o.put("path", text(e.path()));
        if (e.path2().length > 0) o.put("path2", text(e.path2()));
        o.put("action", e.actionWord());
        if (e.rule() >= 0) o.put("rule", e.rule());
        else o.putNull("rule");
        o.put("generation", e.generation());
        o.put("repeats", e.repeats());
        var flags = o.putArray("flags");
        String[] names = {"truncated", "unresolved", "dry_run", "cmdline_cut", "no_table", "eval_error", "first_sight", "self_protection"};
        for (int i = 0; i < names.length; i++) if ((e.flags() & (1 << i)) != 0) flags.add(names[i]);
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** UTF-8 where the bytes are UTF-8; {@code \xHH} for each byte that is not, {@code \\} for a backslash. */
    public static String text(byte[] bytes) {
        if (plainAscii(bytes)) return new String(bytes, StandardCharsets.ISO_8859_1); // most paths: nothing to decode
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer chunk = CharBuffer.allocate(bytes.length + 1);
        StringBuilder out = new StringBuilder(bytes.length);
        while (true) {
            CoderResult r = dec.decode(in, chunk, true);
            chunk.flip();
            out.append(chunk.toString().replace("\\", "\\\\"));
            chunk.clear();
            if (!r.isError()) break;
            for (int i = 0; i < r.length(); i++) out.append(String.format("\\x%02x", in.get() & 0xff));
        }
        return out.toString();
    }

    private static boolean plainAscii(byte[] bytes) {
        for (byte b : bytes) if (b < 0 || b == '\\') return false;
        return true;
    }
}
