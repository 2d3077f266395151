package io.virtio4j.spi;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * "Did you mean" for a mistyped name in a configuration: the valid name nearest to what was
 * written, if it is a typo away. One suggester for every configuration surface, so a backend spec
 * ({@code vhost-user:pth=/x}: "did you mean 'path'?") and the switch's config file ({@code vlna = 10}:
 * "did you mean 'vlan'?") suggest alike.
 *
 * <p>Nearness is the edit distance with an adjacent transposition counted as one edit ({@code vlna}
 * to {@code vlan}); case is ignored on the written side. A name more than {@value #MAX_EDITS} edits
 * from every valid one gets no suggestion: that is another word, not a typo.
 */
public final class DidYouMean {
    /** The most edits a suggestion may be away from what was written. */
    public static final int MAX_EDITS = 2;

    private DidYouMean() {
    }

    /**
     * The valid name nearest to {@code written}, if one is at most {@value #MAX_EDITS} edits away;
     * on a tie the first in {@code valid}'s order.
     *
     * @param written what the user wrote (compared in lower case)
     * @param valid   the names that would have been accepted
     * @return the suggestion, or empty when nothing is close
     */
    public static Optional<String> nearest(String written, Collection<String> valid) {
        String lower = written.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = MAX_EDITS + 1;
        for (String candidate : valid) {
            // The distance is at least the difference in length: skip without building the table
            // (a hostile config may write a very long name).
            if (Math.abs(lower.length() - candidate.length()) >= bestDistance) {
                continue;
            }
            int d = distance(lower, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * The suggestion as it ends an error message: {@code " (did you mean 'path'?)"}, or the empty
     * string when nothing is close.
     *
     * @param written what the user wrote
     * @param valid   the names that would have been accepted
     * @return text to append to the message
     */
    public static String hint(String written, Collection<String> valid) {
        return nearest(written, valid).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    /**
     * The Levenshtein distance between {@code a} and {@code b}, with an adjacent transposition
     * counted as one edit (optimal string alignment).
     *
     * @param a one string
     * @param b the other
     * @return the number of single-character insertions, deletions, substitutions and adjacent
     *         transpositions that turn {@code a} into {@code b}
     */
    public static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
