package dev.filewall.logstore;

import dev.filewall.events.Event;

/** An event as the store holds it: {@code id} grows with every insert and is never reused, so it is a cursor for a live tail. */
public record StoredEvent(long id, Event event) {}
