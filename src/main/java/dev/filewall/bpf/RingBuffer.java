package dev.filewall.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Consumes a BPF_MAP_TYPE_RINGBUF map through libbpf's ring_buffer. Each record reaches the
 * consumer on the thread that calls {@link #poll} or {@link #consume}, as a read-only view that
 * is valid only during the call: copy out what you keep. The consumer's exceptions are caught
 * and counted, never propagated (they would kill the JVM from inside libbpf's callback).
 *
 * <p>Poll from a platform thread: ring_buffer__poll blocks in epoll_wait, which would pin a
 * virtual thread's carrier for the whole timeout. close() waits for a poll in flight.
 */
@SuppressWarnings("restricted") // native access is this package's job; the launcher enables it
public final class RingBuffer implements AutoCloseable {
    private static final MethodHandle ON_RECORD;

    static {
        try {
            ON_RECORD = MethodHandles.lookup().findVirtual(RingBuffer.class, "onRecord",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Consumer<MemorySegment> consumer;
    private final String subject;
    private final Arena arena = Arena.ofShared(); // holds the upcall stub
    private final Lifetime life;
    private final MemorySegment rb;
    private final AtomicLong consumerErrors = new AtomicLong();
    private volatile Throwable lastConsumerError;

    public RingBuffer(BpfMap map, Consumer<MemorySegment> consumer) {
        this.consumer = consumer;
        this.subject = "ring buffer of map '" + map.name() + "'";
        this.life = new Lifetime(subject);
        try (var _ = LibBpf.captureLog()) {
            // ring_buffer__new mmaps the map: it keeps working if the map's object is closed
            this.rb = LibBpf.ring_buffer__new(map.fd(), ON_RECORD.bindTo(this), arena, subject);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Waits up to timeoutMs (-1: forever) for records and consumes all there are; returns how many. */
    public synchronized int poll(int timeoutMs) {
        try (var _ = life.enter()) {
            return LibBpf.ring_buffer__poll(rb, timeoutMs, subject);
        }
    }

    /** Consumes the records there are without waiting; returns how many. */
    public synchronized int consume() {
        try (var _ = life.enter()) {
            return LibBpf.ring_buffer__consume(rb, subject);
        }
    }

    /** How many records the consumer threw on. */
    public long consumerErrors() {
        return consumerErrors.get();
    }

    /** The consumer's latest exception, or null. */
    public Throwable lastConsumerError() {
        return lastConsumerError;
    }

    /** Waits for a poll in flight, then frees the ring buffer. Not from inside the consumer. */
    @Override
    public void close() {
        life.close(() -> {
            LibBpf.ring_buffer__free(rb);
            arena.close();
        });
    }

    /** ring_buffer_sample_fn. Returns 0 always: anything else would stop the poll with an error. */
    private int onRecord(MemorySegment ctx, MemorySegment data, long size) {
        try (Arena view = Arena.ofConfined()) {
            consumer.accept(data.reinterpret(size, view, null).asReadOnly());
        } catch (Throwable t) {
            consumerErrors.incrementAndGet();
            lastConsumerError = t;
        }
        return 0;
    }
}
