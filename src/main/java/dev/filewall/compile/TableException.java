package dev.filewall.compile;

/** A rule set that does not fit in a table: too many DFA states or words. Nothing is published. */
public final class TableException extends Exception {
    public TableException(String message) {
        super(message);
    }
}
