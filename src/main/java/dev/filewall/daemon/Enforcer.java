package dev.filewall.daemon;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.filewall.bpf.BpfLink;
import dev.filewall.bpf.BpfMap;
import dev.filewall.bpf.BpfObject;
import dev.filewall.bpf.BpfProgram;
import dev.filewall.bpf.Btf;
import dev.filewall.bpf.Layouts;
import dev.filewall.bpf.TableSlots;
import dev.filewall.compile.Table;
import dev.filewall.rules.Action;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel side as the daemon holds it: either freshly loaded, attached and pinned, or adopted
 * from the pins a previous daemon left (enforcement never stopped in between).
 */
public final class Enforcer implements AutoCloseable {
    /** The maps the daemon reads or writes, all pinned. */
    static final List<String> MAPS = List.of("fw_table", "fw_ctl", "fw_config", "fw_counters", "fw_events", "fw_stats", "fw_flood");

    /** floodWindow: identical events inside it are counted in the kernel, not sent (zero: every event is sent). */
    public record Settings(int slotBlocks, int ringBytes, boolean dryRun, Action unresolvedModify, Action unresolvedRead,
                           java.time.Duration floodWindow) {
        public static final Settings DEFAULT = new Settings(4096, 4 << 20, false, Action.DENY, Action.LOG,
                java.time.Duration.ofSeconds(1));
    }

    private final BpfObject obj; // null when adopted
    private final Pins pins;
    private final List<BpfMap> opened = new ArrayList<>();
    final BpfMap table, ctl, config, counters, events, flood;
    final TableSlots slots;
    final boolean adopted;
    final List<String> attached;

    private Enforcer(BpfObject obj, Pins pins, java.util.function.Function<String, BpfMap> maps, boolean adopted, List<String> attached) {
        this.obj = obj;
        this.pins = pins;
        this.table = maps.apply("fw_table");
        this.ctl = maps.apply("fw_ctl");
        this.config = maps.apply("fw_config");
        this.counters = maps.apply("fw_counters");
        this.events = maps.apply("fw_events");
        this.flood = maps.apply("fw_flood");
        this.adopted = adopted;
        this.attached = attached;
        this.slots = new TableSlots(table, ctl, table.maxEntries() / 2);
    }

    /** Loads filewall.bpf.o, publishes the first table and config, attaches every hook and pins it all. */
    public static Enforcer load(Pins pins, Table first, Settings s) throws IOException {
        BpfObject obj = BpfObject.openResource("/bpf/filewall.bpf.o");
        List<BpfLink> links = new ArrayList<>();
        try {
            obj.map("fw_table").setMaxEntries(2 * TableSlots.slotBlocksFor(first.size(), s.slotBlocks()));
            obj.map("fw_events").setMaxEntries(s.ringBytes());
            List<String> names = new ArrayList<>();
            try (Btf kernel = Btf.parse(Path.of("/sys/kernel/btf/vmlinux"))) {
                for (BpfProgram p : obj.programs()) {
                    String sec = p.section();
                    // hooks this kernel lacks (file_truncate before 6.2) are left out, not failed
                    boolean present = !sec.startsWith("lsm") || kernel.hasFunction("bpf_lsm_" + sec.substring(sec.indexOf('/') + 1));
                    p.setAutoload(present);
                    if (present) names.add(p.name());
                }
            }
            obj.load();
            Enforcer e = new Enforcer(obj, pins, obj::map, false, names);
            e.writeConfig(s);
            e.slots.publish(first);
            Files.createDirectories(pins.root().resolve("maps"));
            Files.createDirectories(pins.root().resolve("links"));
            for (String m : MAPS) obj.map(m).pin(pins.map(m));
            // the exec tracepoint first, so every process that starts from now on is read at exec
            for (String n : names.stream().sorted(java.util.Comparator.comparing(n -> n.startsWith("fw_sched") ? 0 : 1)).toList()) {
                BpfLink l = obj.program(n).attach();
                links.add(l);
                l.pin(pins.link(n));
            }
            return e;
        } catch (RuntimeException | IOException ex) {
            for (BpfLink l : links) l.close();
            try {
                pins.removeAll();
            } catch (IOException ignored) {
                // the original failure is what the operator needs to see
            }
            obj.close();
            throw ex;
        }
    }

    /**
     * Opens the maps a previous daemon pinned; its links keep enforcing throughout. The kernel lets only the
     * daemon open them for writing, or anyone once it has exited (bpf/protect.h).
     */
    public static Enforcer adopt(Pins pins) throws IOException {
        List<BpfMap> opened = new ArrayList<>();
        List<String> links;
        try (var s = Files.list(pins.root().resolve("links"))) {
            links = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        Enforcer e = new Enforcer(null, pins, name -> {
            BpfMap m = BpfMap.openPinned(pins.map(name));
            opened.add(m);
            return m;
        }, true, links);
        e.opened.addAll(opened);
        return e;
    }

    public void writeConfig(Settings s) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(Layouts.Config.LAYOUT);
            v.set(JAVA_INT, Layouts.Config.DRY_RUN, s.dryRun() ? 1 : 0);
            v.set(JAVA_INT, Layouts.Config.UNRESOLVED_MODIFY, s.unresolvedModify().ordinal());
            v.set(JAVA_INT, Layouts.Config.UNRESOLVED_READ, s.unresolvedRead().ordinal());
            // start time 0: the kernel learns the exact one (which /proc cannot give) from our first operation
            v.set(JAVA_INT, Layouts.Config.SELF_TGID, (int) ProcessHandle.current().pid());
            v.set(JAVA_LONG, Layouts.Config.SELF_START_TIME, 0L);
            v.set(JAVA_LONG, Layouts.Config.FLOOD_WINDOW_NS, s.floodWindow().toNanos());
            v.set(JAVA_LONG, Layouts.Config.PINS_DEV, pinsDev(pins));
            config.update(a.allocate(JAVA_INT), v, BpfMap.ANY);
        }
    }

    /** st_dev of the bpffs that holds the pins: the kernel refuses to unmount it to anyone but the daemon. */
    private static long pinsDev(Pins pins) {
        try {
            return (Long) Files.getAttribute(pins.root().getParent(), "unix:dev");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot stat " + pins.root().getParent() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes this process the one the kernel exempts, without a daemon: what {@code filewall stop} does to remove
     * pins nobody else may remove. The kernel allows it only while no daemon runs.
     */
    static void claim(Pins pins) {
        try (BpfMap config = BpfMap.openPinned(pins.map("fw_config")); Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(JAVA_INT), v = a.allocate(Layouts.Config.LAYOUT);
            config.lookup(key, v);
            v.set(JAVA_INT, Layouts.Config.SELF_TGID, (int) ProcessHandle.current().pid());
            v.set(JAVA_LONG, Layouts.Config.SELF_START_TIME, 0L);
            config.update(key, v, BpfMap.ANY);
        }
    }

    public TableSlots slots() {
        return slots;
    }

    public BpfMap events() {
        return events;
    }

    public BpfMap flood() {
        return flood;
    }

    /** Sums fw_counters over CPUs. */
    public Counters counters() {
        return Counters.read(counters);
    }

    @Override
    public void close() {
        opened.forEach(BpfMap::close);
        // links are pinned: closing our handles and the object leaves enforcement in place
        if (obj != null) obj.close();
    }
}
