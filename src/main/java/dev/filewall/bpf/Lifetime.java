package dev.filewall.bpf;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Guards native resources against use after free: every use holds a read lock, close() takes
 * the write lock, so it waits for uses in flight (a ring buffer poll: up to its timeout) and
 * later uses throw {@link IllegalStateException}. A child (a map of an object) can be closed
 * on its own and is unusable once its parent is closed.
 */
final class Lifetime {
    /** Released by try-with-resources; close() throws nothing. */
    interface Use extends AutoCloseable {
        @Override
        void close();
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Lifetime parent;
    private final String what;
    private boolean closed; // guarded by lock

    Lifetime(String what) {
        this(null, what);
    }

    Lifetime(Lifetime parent, String what) {
        this.parent = parent;
        this.what = what;
    }

    Use enter() {
        Use outer = parent == null ? null : parent.enter();
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            if (outer != null) outer.close();
            throw new IllegalStateException(what + " is closed");
        }
        return () -> {
            lock.readLock().unlock();
            if (outer != null) outer.close();
        };
    }

    /** Runs release once, when no use is in flight; later calls do nothing. */
    void close(Runnable release) {
        // Waiting for our own read lock would deadlock, e.g. a ring buffer consumer closing it.
        if (lock.getReadHoldCount() > 0) {
            throw new IllegalStateException(what + " cannot be closed while this thread uses it");
        }
        lock.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            release.run();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
