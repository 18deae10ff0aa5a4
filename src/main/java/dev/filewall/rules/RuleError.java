package dev.filewall.rules;

/** One problem in a rule file: where (1-based line and column) and what was expected. */
public record RuleError(String file, int line, int column, String message) implements Comparable<RuleError> {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }

    @Override
    public int compareTo(RuleError o) {
        return line != o.line ? Integer.compare(line, o.line) : Integer.compare(column, o.column);
    }
}
