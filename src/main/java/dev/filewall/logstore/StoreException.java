package dev.filewall.logstore;

/** The store could not be opened, read or written; the message names the file and what SQLite said. */
public final class StoreException extends Exception {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
