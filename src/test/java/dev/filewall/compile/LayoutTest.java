package dev.filewall.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Table's word offsets and constants are those of bpf/filewall.h. */
class LayoutTest {
    static final String H = read();

    static String read() {
        try {
            return Files.readString(Path.of("bpf/filewall.h"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static long define(String name) {
        Matcher m = Pattern.compile("#define\\s+" + name + "\\s+(0x[0-9a-fA-F]+|\\d+)").matcher(H);
        assertThat(m.find()).as(name).isTrue();
        return Long.decode(m.group(1));
    }

    /** Word offset of each __u32 field of a struct; arrays take their length in words. */
    static Map<String, Integer> fields(String struct) {
        Matcher body = Pattern.compile("struct " + struct + " \\{(.*?)\\n\\};", Pattern.DOTALL).matcher(H);
        assertThat(body.find()).as(struct).isTrue();
        String code = body.group(1).replaceAll("(?s)/\\*.*?\\*/", "");
        Map<String, Integer> out = new LinkedHashMap<>();
        int off = 0;
        Matcher f = Pattern.compile("__u32\\s+(\\w+)(?:\\[(\\w+)])?;").matcher(code);
        while (f.find()) {
            out.put(f.group(1), off);
            off += f.group(2) == null ? 1 : (int) define(f.group(2));
        }
        out.put("(size)", off);
        return out;
    }

    static List<String> enumNames(String name, String prefix) {
        Matcher body = Pattern.compile("enum " + name + " \\{(.*?)};", Pattern.DOTALL).matcher(H);
        assertThat(body.find()).as(name).isTrue();
        List<String> out = new ArrayList<>();
        Matcher e = Pattern.compile(prefix + "(\\w+)").matcher(body.group(1));
        while (e.find()) out.add(e.group(1));
        return out;
    }

    @Test
    void constants() {
        assertThat(define("FW_TABLE_MAGIC")).isEqualTo(Table.MAGIC);
        assertThat(define("FW_NOPS")).isEqualTo(Table.NOPS);
        assertThat(define("FW_NFIELDS")).isEqualTo(Table.NFIELDS);
        assertThat(define("FW_MAX_GROUPS")).isEqualTo(Table.MAX_GROUPS);
        assertThat(define("FW_BLOCK_WORDS")).isEqualTo(Table.BLOCK_WORDS);
    }

    @Test
    void header() {
        assertThat(fields("fw_table_hdr")).containsExactly(
                Map.entry("magic", Table.HDR_MAGIC), Map.entry("generation", Table.HDR_GENERATION),
                Map.entry("nrules", Table.HDR_NRULES), Map.entry("nwords", Table.HDR_NWORDS),
                Map.entry("default_action", Table.HDR_DEFAULT_ACTION), Map.entry("actions_off", Table.HDR_ACTIONS_OFF),
                Map.entry("uid_nbounds", Table.HDR_UID_NBOUNDS), Map.entry("uid_bounds_off", Table.HDR_UID_BOUNDS_OFF),
                Map.entry("uo_off", Table.HDR_UO_OFF), Map.entry("ngroups", Table.HDR_NGROUPS),
                Map.entry("groups_off", Table.HDR_GROUPS_OFF), Map.entry("op_mask", Table.HDR_OP_MASK),
                Map.entry("(size)", Table.HDR_WORDS));
    }

    @Test
    void group() {
        assertThat(fields("fw_group")).containsExactly(
                Map.entry("classes_off", Table.GRP_CLASSES_OFF), Map.entry("nclasses", Table.GRP_NCLASSES),
                Map.entry("trans_off", Table.GRP_TRANS_OFF), Map.entry("nstates", Table.GRP_NSTATES),
                Map.entry("accept_off", Table.GRP_ACCEPT_OFF), Map.entry("first_word", Table.GRP_FIRST_WORD),
                Map.entry("last_word", Table.GRP_LAST_WORD), Map.entry("(size)", Table.GRP_WORDS));
    }

    @Test
    void enumsAreNumberedAsTheJavaOnes() {
        assertThat(enumNames("fw_op", "FW_OP_")).isEqualTo(Operation.RULES.stream().map(Enum::name).toList());
        List<String> all = new ArrayList<>(enumNames("fw_op", "FW_OP_"));
        all.addAll(enumNames("fw_tamper_op", "FW_OP_"));
        assertThat(all).isEqualTo(Arrays.stream(Operation.values()).map(Enum::name).toList());
        assertThat(define("FW_NTAMPER")).isEqualTo(Operation.values().length - Operation.RULES.size());
        assertThat(enumNames("fw_action", "FW_ACT_")).isEqualTo(Arrays.stream(Action.values()).map(Enum::name).toList());
        assertThat(enumNames("fw_field", "FW_F_")).isEqualTo(Arrays.stream(Field.values()).map(Enum::name).toList());
    }
}
