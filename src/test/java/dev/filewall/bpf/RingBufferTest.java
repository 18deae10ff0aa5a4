package dev.filewall.bpf;

import static dev.filewall.bpf.BpfMapTest.u32;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RingBufferTest {
    /** A record copied out of the ring buffer. */
    record Event(int seq, int key, long tag, byte fill) {
        static Event of(MemorySegment s) {
            return new Event(s.get(JAVA_INT, 0), s.get(JAVA_INT, 4), s.get(JAVA_LONG, 8), s.get(JAVA_BYTE, 16));
        }
    }

    @Test
    void deliversExactlyTheRecordsSubmitted() {
        int n = 500;
        try (BpfObject obj = BpfObject.open(TestBpf.object("ffm_test.bpf.o"))) {
            obj.map("events").setMaxEntries(64 * 1024); // room for all 500 at 72 bytes each
            obj.load();
            List<Event> events = new ArrayList<>();
            try (RingBuffer rb = new RingBuffer(obj.map("events"), s -> {
                assertThat(s.byteSize()).isEqualTo(TestBpf.EVENT.byteSize());
                events.add(Event.of(s));
            })) {
                MemorySegment ctx = emit(obj, 9, n, 0xfeedL);
                assertThat(ctx.get(JAVA_INT, TestBpf.SUBMITTED)).isEqualTo(n);
                assertThat(ctx.get(JAVA_INT, TestBpf.DROPPED)).isZero();

                assertThat(rb.consume()).isEqualTo(n);
                assertThat(rb.poll(0)).isZero();
                assertThat(rb.consumerErrors()).isZero();
            }
            assertThat(events).hasSize(n);
            for (int i = 0; i < n; i++) assertThat(events.get(i)).isEqualTo(new Event(i, 9, 0xfeedL, (byte) 0xab));
        }
    }

    @Test
    void aFullRingBufferDropsAndTheProgramCountsIt() {
        int n = 100;
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            List<Event> events = new ArrayList<>();
            try (RingBuffer rb = new RingBuffer(obj.map("events"), s -> events.add(Event.of(s)))) {
                MemorySegment ctx = emit(obj, 1, n, 7);
                int submitted = ctx.get(JAVA_INT, TestBpf.SUBMITTED);
                int dropped = ctx.get(JAVA_INT, TestBpf.DROPPED);
                // 4096 bytes of 72-byte records (64 + the 8-byte header)
                assertThat(submitted).isEqualTo(4096 / 72);
                assertThat(submitted + dropped).isEqualTo(n);
                assertThat(drops(obj)).isEqualTo(dropped);

                assertThat(rb.consume()).isEqualTo(submitted);
                assertThat(events).extracting(Event::seq).containsExactlyElementsOf(
                        IntStream.range(0, submitted).boxed().toList());

                // consuming made room again
                assertThat(emit(obj, 1, 10, 7).get(JAVA_INT, TestBpf.SUBMITTED)).isEqualTo(10);
                assertThat(rb.consume()).isEqualTo(10);
                assertThat(drops(obj)).isEqualTo(dropped);
            }
        }
    }

    @Test
    void pollWakesUpForRecordsSubmittedMeanwhile() throws Exception {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            List<Event> events = new ArrayList<>();
            try (RingBuffer rb = new RingBuffer(obj.map("events"), s -> events.add(Event.of(s)))) {
                CompletableFuture<Integer> polled = new CompletableFuture<>();
                Thread poller = Thread.ofPlatform().start(() -> {
                    try {
                        polled.complete(rb.poll(10_000));
                    } catch (Throwable t) {
                        polled.completeExceptionally(t);
                    }
                });
                Thread.sleep(100); // let it block in epoll_wait
                emit(obj, 3, 5, 1);
                assertThat(polled.get(5, TimeUnit.SECONDS)).isEqualTo(5);
                poller.join();
                assertThat(events).hasSize(5);
            }
        }
    }

    @Test
    void closeWaitsForAPollInFlight() throws Exception {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            CountDownLatch inConsumer = new CountDownLatch(1);
            AtomicBoolean consumerReturned = new AtomicBoolean();
            RingBuffer rb = new RingBuffer(obj.map("events"), s -> {
                inConsumer.countDown();
                LockSupport.parkNanos(300_000_000); // a freeing close() now would pull the record away
                consumerReturned.set(true);
            });
            emit(obj, 1, 1, 0);
            CompletableFuture<Integer> polled = new CompletableFuture<>();
            Thread poller = Thread.ofPlatform().start(() -> {
                try {
                    polled.complete(rb.poll(5000));
                } catch (Throwable t) {
                    polled.completeExceptionally(t);
                }
            });
            assertThat(inConsumer.await(5, TimeUnit.SECONDS)).isTrue();
            rb.close();
            assertThat(consumerReturned).isTrue();
            poller.join();
            assertThat(polled).isCompletedWithValue(1);
            assertThatThrownBy(() -> rb.poll(0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void consumerExceptionsAreCountedAndViewsDieWithTheirCallback() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            List<MemorySegment> leaked = new ArrayList<>();
            RingBuffer rb = new RingBuffer(obj.map("events"), s -> {
                leaked.add(s);
                if (Event.of(s).seq() % 2 == 0) throw new IllegalArgumentException("even");
            });
            emit(obj, 1, 6, 0);
            assertThat(rb.consume()).isEqualTo(6);
            assertThat(rb.consumerErrors()).isEqualTo(3);
            assertThat(rb.lastConsumerError()).hasMessage("even");
            assertThat(leaked).hasSize(6);
            assertThatThrownBy(() -> leaked.getFirst().get(JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);

            rb.close();
            assertThatThrownBy(() -> rb.poll(0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(rb::consume).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void theConsumerCannotCloseItsRingBuffer() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            RingBuffer[] self = new RingBuffer[1];
            try (RingBuffer rb = new RingBuffer(obj.map("events"), s -> self[0].close())) {
                self[0] = rb;
                emit(obj, 1, 1, 0);
                assertThat(rb.consume()).isEqualTo(1);
                assertThat(rb.lastConsumerError()).isInstanceOf(IllegalStateException.class);
                assertThat(rb.poll(0)).isZero(); // still open
            }
        }
    }

    @Test
    void aMapThatIsNoRingBufferIsRefused() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            assertThatThrownBy(() -> new RingBuffer(obj.map("array"), s -> {}))
                    .isInstanceOf(BpfException.class)
                    .hasMessageStartingWith("ring_buffer__new(ring buffer of map 'array'): EINVAL");
        }
    }

    private static MemorySegment emit(BpfObject obj, int key, int count, long tag) {
        MemorySegment ctx = Arena.ofAuto().allocate(TestBpf.CTX);
        ctx.set(JAVA_INT, TestBpf.KEY, key);
        ctx.set(JAVA_INT, TestBpf.COUNT, count);
        ctx.set(JAVA_LONG, TestBpf.TAG, tag);
        assertThat(obj.program("emit").testRun(ctx)).isEqualTo(ctx.get(JAVA_INT, TestBpf.SUBMITTED));
        return ctx;
    }

    private static long drops(BpfObject obj) {
        return ByteBuffer.wrap(obj.map("drops").lookup(u32(0)).orElseThrow()).order(ByteOrder.nativeOrder()).getLong();
    }
}
