package dev.filewall.events;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.bpf.Layouts;
import dev.filewall.rules.Operation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Rule indexes as the rule file numbers them: the daemon's built-in rules come first in the kernel's table. */
class EventDecoderTest {
    final EventDecoder decoder = new EventDecoder(new BootClock(), 2);

    Event decode(Operation op, int rule) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(Layouts.Event.LAYOUT);
            r.set(JAVA_INT, Layouts.Event.OP, op.ordinal());
            r.set(JAVA_INT, Layouts.Event.RULE, rule);
            r.set(JAVA_INT, Layouts.Event.ACTION, 2);
            r.set(JAVA_INT, Layouts.Event.FLAGS, Event.FIRST_SIGHT);
            return decoder.decode(r);
        }
    }

    @Test
    void aBuiltInRuleIsFlaggedAndTheRuleFilesAreNumberedFromZero() {
        Event builtIn = decode(Operation.WRITE, 1);
        assertThat(builtIn.rule()).isEqualTo(-1);
        assertThat(builtIn.flags()).isEqualTo(Event.FIRST_SIGHT | Event.SELF_PROTECTION);
        Event user = decode(Operation.WRITE, 2);
        assertThat(user.rule()).isZero();
        assertThat(user.flags()).isEqualTo(Event.FIRST_SIGHT);
        Event policy = decode(Operation.WRITE, -1);
        assertThat(policy.rule()).isEqualTo(-1);
        assertThat(policy.has(Event.SELF_PROTECTION)).isFalse();
    }

    @Test
    void anAttemptOnTheDaemonIsSelfProtection() {
        Event kill = decode(Operation.KILL, -1);
        assertThat(kill.op()).isEqualTo(Operation.KILL);
        assertThat(kill.has(Event.SELF_PROTECTION)).isTrue();
        assertThat(EventFormat.json(kill)).contains("\"op\":\"KILL\"").contains("\"self_protection\"");
    }
}
