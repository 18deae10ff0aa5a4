package dev.filewall.rules;

/** The deciding rule's index in its set (-1 when the default action decided) and the action. */
public record Decision(int rule, Action action) {
    public static Decision byDefault(Action a) {
        return new Decision(-1, a);
    }

    /** The more severe of two decisions, this one on a tie. */
    public Decision severest(Decision other) {
        return other.action.compareTo(action) > 0 ? other : this;
    }
}
