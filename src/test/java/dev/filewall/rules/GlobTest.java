package dev.filewall.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class GlobTest {

    /** The oracle: the pattern text translated to a java.util.regex over ISO-8859-1 chars (one per byte). */
    static Pattern oracle(String glob) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < glob.length()) {
            int cp = glob.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '*') re.append("[\\x{00}-\\x{ff}]*");
            else if (cp == '?') re.append("[\\x{00}-\\x{ff}]");
            else if (cp == '\\') {
                int e = glob.codePointAt(i);
                i += Character.charCount(e);
                re.append(bytes(e));
            } else if (cp == '[') {
                StringBuilder cls = new StringBuilder("[");
                if (glob.charAt(i) == '!') {
                    cls.append('^');
                    i++;
                }
                boolean first = true;
                while (first || glob.charAt(i) != ']') {
                    first = false;
                    int c = glob.codePointAt(i);
                    if (c == '\\') c = glob.codePointAt(++i);
                    i += Character.charCount(c);
                    if (glob.charAt(i) == '-' && glob.charAt(i + 1) != ']') {
                        int hi = glob.codePointAt(i + 1);
                        if (hi == '\\') hi = glob.codePointAt(i + 2);
                        i += glob.charAt(i + 1) == '\\' ? 3 : 2;
                        cls.append(String.format("\\x{%02x}-\\x{%02x}", c, hi));
                    } else {
                        for (byte b : new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8))
                            cls.append(String.format("\\x{%02x}", b & 0xff));
                    }
                }
                i++;
                re.append(cls).append(']');
            } else re.append(bytes(cp));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    private static String bytes(int cp) {
        StringBuilder s = new StringBuilder();
        for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8))
            s.append(String.format("\\x{%02x}", b & 0xff));
        return s.toString();
    }

    @Provide
    Arbitrary<String> globs() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of("a", "b", "/", ".", "é", "\u00ff", "-", "!", "]"),
                Arbitraries.of("*", "?", "\\*", "\\?", "\\[", "\\\\", "\\a"),
                Arbitraries.of("[ab]", "[!a]", "[a-c]", "[]a]", "[!]]", "[é]", "[\\]x]", "[*?]", "[a-]", "[/]"));
        return token.list().ofMaxSize(8).map(l -> String.join("", l));
    }

    @Provide
    Arbitrary<byte[]> strings() {
        byte[] alphabet = {'a', 'b', 'c', '/', '.', '*', '?', '[', ']', '\\', '-', '!', (byte) 0xc3, (byte) 0xa9, (byte) 0xff, 0};
        return Arbitraries.of(toList(alphabet)).list().ofMaxSize(8).map(l -> {
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++) b[i] = l.get(i);
            return b;
        });
    }

    private static java.util.List<Byte> toList(byte[] a) {
        java.util.List<Byte> l = new java.util.ArrayList<>();
        for (byte b : a) l.add(b);
        return l;
    }

    @Provide
    Arbitrary<GlobAndString> nearMatches() {
        // strings built from the pattern itself hit or nearly hit it far more often than random ones
        return Combinators.combine(globs(), strings(), Arbitraries.integers().between(0, 3)).as((g, noise, mode) -> {
            byte[] inst = g.replace("\\", "").replaceAll("\\[!?([^\\]]?).*?\\]", "$1").replace("*", "xy").replace("?", "a")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] s = switch (mode) {
                case 0 -> inst;
                case 1 -> concat(inst, noise);
                case 2 -> inst.length > 0 ? java.util.Arrays.copyOf(inst, inst.length - 1) : noise;
                default -> concat(noise, inst);
            };
            return new GlobAndString(g, s);
        });
    }

    record GlobAndString(String glob, byte[] s) {}

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Property(tries = 3000)
    void agreesWithRegexOracle(@ForAll("globs") String glob, @ForAll("strings") byte[] s) throws Exception {
        Glob g = Glob.parse(glob);
        String latin1 = new String(s, StandardCharsets.ISO_8859_1);
        assertThat(g.matches(s)).as("%s on %s", glob, latin1).isEqualTo(oracle(glob).matcher(latin1).matches());
    }

    @Property(tries = 3000)
    void agreesWithRegexOracleNearMatches(@ForAll("nearMatches") GlobAndString c) throws Exception {
        String latin1 = new String(c.s(), StandardCharsets.ISO_8859_1);
        assertThat(Glob.parse(c.glob()).matches(c.s())).as("%s on %s", c.glob(), latin1)
                .isEqualTo(oracle(c.glob()).matcher(latin1).matches());
    }

    @Property(tries = 2000)
    void malformedPatternsOnlyRaiseSyntaxError(@ForAll String anything) {
        try {
            Glob.parse(anything);
        } catch (Glob.SyntaxError expected) {
            assertThat(expected.index).isBetween(0, anything.length());
        }
    }

    @Test
    void starCrossesSlashesAndMatchesEmpty() throws Exception {
        Glob g = Glob.parse("/tmp/*");
        assertThat(g.matches("/tmp/".getBytes())).isTrue();
        assertThat(g.matches("/tmp/a/b/c".getBytes())).isTrue();
        assertThat(g.matches("/tmp".getBytes())).isFalse();
    }

    @Test
    void bytesAboveAsciiAreMatchedByteForByte() throws Exception {
        assertThat(Glob.parse("/caf?").matches("/café".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(Glob.parse("/caf??").matches("/café".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(Glob.parse("/x?").matches(new byte[] {'/', 'x', (byte) 0xff})).isTrue();
        assertThat(Glob.parse("/[!a]").matches(new byte[] {'/', (byte) 0x80})).isTrue();
    }

    @Test
    void errorsSayWhere() {
        assertThatThrownBy(() -> Glob.parse("/a/[bc")).isInstanceOf(Glob.SyntaxError.class)
                .hasMessageContaining("unclosed").extracting(e -> ((Glob.SyntaxError) e).index).isEqualTo(3);
        assertThatThrownBy(() -> Glob.parse("/a\\")).hasMessageContaining("trailing");
        assertThatThrownBy(() -> Glob.parse("[z-a]")).hasMessageContaining("reversed");
    }
}
