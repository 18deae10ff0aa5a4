package dev.filewall.events;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Instant;

/**
 * Converts the kernel's bpf_ktime_get_boot_ns() (CLOCK_BOOTTIME) to wall-clock time. The offset
 * is re-read on every call of {@link #refresh()}, so a wall-clock step is followed within a drain.
 */
public final class BootClock {
    private static final int CLOCK_REALTIME = 0, CLOCK_BOOTTIME = 7;
    private static final MethodHandle CLOCK_GETTIME = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("clock_gettime").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    private volatile long wallMinusBootNs;

    public BootClock() {
        refresh();
    }

    public void refresh() {
        wallMinusBootNs = now(CLOCK_REALTIME) - now(CLOCK_BOOTTIME);
    }

    public Instant toInstant(long bootNs) {
        long wall = bootNs + wallMinusBootNs;
        return Instant.ofEpochSecond(Math.floorDiv(wall, 1_000_000_000L), Math.floorMod(wall, 1_000_000_000L));
    }

    public static long bootNanos() {
        return now(CLOCK_BOOTTIME);
    }

    private static long now(int clock) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ts = a.allocate(16, 8);
            int rc = (int) CLOCK_GETTIME.invokeExact(clock, ts);
            if (rc != 0) throw new IllegalStateException("clock_gettime(" + clock + ") failed");
            return ts.get(JAVA_LONG, 0) * 1_000_000_000L + ts.get(JAVA_LONG, 8);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
