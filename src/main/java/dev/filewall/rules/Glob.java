package dev.filewall.rules;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A pattern over bytes: {@code *} any run of bytes (including '/'), {@code ?} one byte,
 * {@code [abc]} {@code [a-z]} {@code [!a]} one byte of a class, {@code \} escapes the next
 * character. The text is UTF-8; a non-ASCII character stands for its bytes in sequence,
 * and inside a class for each of its bytes.
 */
public record Glob(String source, List<Node> nodes) {

    public sealed interface Node {}
    public record Literal(int b) implements Node {}
    public record AnyByte() implements Node {}
    public record Star() implements Node {}
    /** {@code bytes} already has negation applied. */
    public record ByteClass(BitSet bytes) implements Node {}

    public static final Glob ANY = new Glob("*", List.of(new Star()));

    public boolean matchesAll() {
        return nodes.size() == 1 && nodes.getFirst() instanceof Star;
    }

    /** Error in a pattern, with the 0-based character index where it was found. */
    public static final class SyntaxError extends Exception {
        public final int index;
        SyntaxError(int index, String message) {
            super(message);
            this.index = index;
        }
    }

    public static Glob parse(String source) throws SyntaxError {
        List<Node> nodes = new ArrayList<>();
        int i = 0;
        while (i < source.length()) {
            int cp = source.codePointAt(i);
            switch (cp) {
                case '*' -> {
                    if (nodes.isEmpty() || !(nodes.getLast() instanceof Star)) nodes.add(new Star());
                    i++;
                }
                case '?' -> {
                    nodes.add(new AnyByte());
                    i++;
                }
                case '[' -> i = parseClass(source, i, nodes);
                case '\\' -> {
                    if (i + 1 >= source.length()) throw new SyntaxError(i, "a trailing '\\' escapes nothing");
                    int next = source.codePointAt(i + 1);
                    addLiteral(nodes, next);
                    i += 1 + Character.charCount(next);
                }
                default -> {
                    addLiteral(nodes, cp);
                    i += Character.charCount(cp);
                }
            }
        }
        return new Glob(source, List.copyOf(nodes));
    }

    private static void addLiteral(List<Node> nodes, int cp) {
        for (byte b : utf8(cp)) nodes.add(new Literal(b & 0xff));
    }

    private static byte[] utf8(int cp) {
        return new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
    }

    /** Parses {@code [...]} starting at {@code open}; returns the index after ']'. */
    private static int parseClass(String s, int open, List<Node> nodes) throws SyntaxError {
        BitSet set = new BitSet(256);
        int i = open + 1;
        boolean negate = i < s.length() && s.charAt(i) == '!';
        if (negate) i++;
        boolean first = true;
        while (true) {
            if (i >= s.length()) throw new SyntaxError(open, "unclosed '[': a class ends with ']'");
            int cp = s.codePointAt(i);
            if (cp == ']' && !first) break;
            first = false;
            int start = i;
            if (cp == '\\') {
                if (i + 1 >= s.length()) throw new SyntaxError(i, "a trailing '\\' escapes nothing");
                i++;
                cp = s.codePointAt(i);
            }
            i += Character.charCount(cp);
            boolean range = i + 1 < s.length() && s.charAt(i) == '-' && s.charAt(i + 1) != ']';
            if (!range) {
                for (byte b : utf8(cp)) set.set(b & 0xff);
                continue;
            }
            i++;
            int hi = s.codePointAt(i);
            if (hi == '\\' && i + 1 < s.length()) hi = s.codePointAt(++i);
            i += Character.charCount(hi);
            if (cp > 0x7f || hi > 0x7f)
                throw new SyntaxError(start, "a class range takes single-byte (ASCII) ends");
            if (cp > hi)
                throw new SyntaxError(start, "class range '" + (char) cp + "-" + (char) hi + "' is reversed");
            set.set(cp, hi + 1);
        }
        if (negate) set.flip(0, 256);
        nodes.add(new ByteClass(set));
        return i + 1;
    }

    /** Length in bytes of the shortest string this pattern can match. */
    public int minLength() {
        return (int) nodes.stream().filter(n -> !(n instanceof Star)).count();
    }

    /** Whether the pattern can only match strings starting with this byte. */
    public boolean mustStartWithOtherThan(int b) {
        return !nodes.isEmpty() && nodes.getFirst() instanceof Literal(int first) && first != b;
    }

    public boolean matches(byte[] s) {
        // One row of the classic glob DP: reach[j] = pattern prefix [0,i) matches s[0,j).
        int n = s.length;
        boolean[] reach = new boolean[n + 1];
        reach[0] = true;
        for (Node node : nodes) {
            boolean[] next = new boolean[n + 1];
            if (node instanceof Star) {
                boolean any = false;
                for (int j = 0; j <= n; j++) {
                    any |= reach[j];
                    next[j] = any;
                }
            } else {
                for (int j = 0; j < n; j++) if (reach[j] && accepts(node, s[j] & 0xff)) next[j + 1] = true;
            }
            reach = next;
        }
        return reach[n];
    }

    /** Whether a single-byte node accepts byte b. */
    public static boolean accepts(Node node, int b) {
        return switch (node) {
            case Literal(int v) -> v == b;
            case AnyByte() -> true;
            case ByteClass(BitSet set) -> set.get(b);
            case Star() -> true;
        };
    }

    @Override
    public String toString() {
        return source;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Glob g && g.source.equals(source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }
}
