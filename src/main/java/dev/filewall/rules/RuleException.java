package dev.filewall.rules;

import java.util.List;
import java.util.stream.Collectors;

/** Every error found in a rule file; nothing of the file is applied. */
public final class RuleException extends Exception {
    private final List<RuleError> errors;

    public RuleException(List<RuleError> errors) {
        super(errors.stream().sorted().map(RuleError::toString).collect(Collectors.joining("\n")));
        this.errors = errors.stream().sorted().toList();
    }

    public List<RuleError> errors() {
        return errors;
    }
}
