package dev.hookline.filter.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Keeps regular expressions from hurting the dispatcher. {@code java.util.regex} backtracks, so a
 * hostile pattern can take exponential time. Two defences:
 *
 * <ol>
 *   <li>At compile time, patterns with the usual catastrophic constructs are rejected: a quantified
 *       group that itself contains a quantifier ({@code (a+)+}, {@code (a*b?)*}, {@code (x{2,})+})
 *       and back-references ({@code \1}, {@code \k<name>}).
 *   <li>At match time, the input is capped at {@link Limits#MAX_REGEX_INPUT} characters and every
 *       match runs on a {@link CharSequence} that counts character reads and gives up after {@link
 *       Limits#REGEX_WORK_BUDGET} of them; a match that overflows the stack (deep recursion on
 *       {@code (a|b)*} over long input) also gives up. A match that gives up counts as no match.
 * </ol>
 *
 * <p>Thread-safe (stateless).
 */
public final class RegexGuard {
  /** How a bounded match ended. */
  public enum Outcome {
    MATCH,
    NO_MATCH,
    GAVE_UP
  }

  private RegexGuard() {}

  /**
   * Checks and compiles a pattern.
   *
   * @throws dev.hookline.InvalidFilterException if it is too long, malformed, or unsafe
   */
  public static Pattern compile(String regex) {
    if (regex.length() > Limits.MAX_REGEX_LENGTH) {
      throw Problem.of(
          "regular expression is "
              + regex.length()
              + " characters long; at most "
              + Limits.MAX_REGEX_LENGTH
              + " allowed");
    }
    Pattern p;
    try {
      p = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw Problem.of(
          "regular expression "
              + Problem.quote(regex)
              + " is invalid: "
              + e.getDescription()
              + " near index "
              + e.getIndex());
    }
    checkSafe(regex);
    return p;
  }

  /** Runs {@link java.util.regex.Matcher#find()} within the work budget; giving up is false. */
  static boolean find(Pattern p, String input) {
    return match(p, input, Limits.REGEX_WORK_BUDGET) == Outcome.MATCH;
  }

  /** Runs {@link java.util.regex.Matcher#find()} with a bound on character reads. */
  public static Outcome match(Pattern p, String input, int budget) {
    if (input.length() > Limits.MAX_REGEX_INPUT) {
      return Outcome.GAVE_UP;
    }
    try {
      return p.matcher(new Budgeted(input, budget)).find() ? Outcome.MATCH : Outcome.NO_MATCH;
    } catch (BudgetExceeded e) {
      return Outcome.GAVE_UP;
    } catch (StackOverflowError e) {
      // java.util.regex recurses once per repetition of a group such as (a|b)*; on long input
      // that overflows the stack. The match is pure computation, so unwinding is safe.
      return Outcome.GAVE_UP;
    }
  }

  private static final class BudgetExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BudgetExceeded() {
      // no stack trace: it is control flow, thrown deep inside java.util.regex
      super("regex work budget exceeded", null, false, false);
    }
  }

  /** A string that allows only so many character reads. Not thread-safe: one per match. */
  private static final class Budgeted implements CharSequence {
    private final String s;
    private int left;

    Budgeted(String s, int budget) {
      this.s = s;
      this.left = budget;
    }

    @Override
    public int length() {
      return s.length();
    }

    @Override
    public char charAt(int index) {
      if (--left < 0) {
        throw new BudgetExceeded();
      }
      return s.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return s.subSequence(start, end);
    }

    @Override
    public String toString() {
      return s;
    }
  }

  /**
   * Rejects nested quantifiers, back-references, repetition counts above {@link
   * Limits#MAX_REGEX_REPEAT}, and repeating quantifiers on what matches no character (a
   * look-around, an anchor, an empty group): those repeat without reading a character, so the
   * match-time budget, which counts reads, could not stop them ({@code (?=){2147483647}} loops two
   * billion times at every position). Assumes {@code regex} compiles.
   */
  private static void checkSafe(String regex) {
    // One frame per open group: [a quantifier occurs inside it, it is a look-around, something
    // inside it reads a character].
    Deque<boolean[]> groups = new ArrayDeque<>();
    groups.push(new boolean[3]);
    boolean lastAtomWasQuantifiedInside = false;
    boolean lastAtomReadsNothing = false;
    int i = 0;
    int n = regex.length();
    while (i < n) {
      char c = regex.charAt(i);
      switch (c) {
        case '\\' -> {
          char next = i + 1 < n ? regex.charAt(i + 1) : ' ';
          if ((next >= '1' && next <= '9') || next == 'k') {
            throw unsafe(regex, "back-references are not allowed");
          }
          boolean anchor = "bBAGzZ".indexOf(next) >= 0;
          if (next == 'Q') {
            int end = regex.indexOf("\\E", i + 2);
            anchor = end == i + 2 || (end < 0 && i + 2 >= n); // \Q\E quotes nothing
            i = end < 0 ? n : end + 2;
          } else if ((next == 'p' || next == 'P' || next == 'x' || next == 'N')
              && i + 2 < n
              && regex.charAt(i + 2) == '{') {
            int end = regex.indexOf('}', i + 2);
            i = end < 0 ? n : end + 1;
          } else {
            i += 2;
          }
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = anchor;
          if (!anchor) {
            groups.peek()[2] = true;
          }
        }
        case '[' -> {
          i = skipClass(regex, i);
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = false;
          groups.peek()[2] = true;
        }
        case '(' -> {
          i++;
          boolean lookaround = false;
          if (i < n && regex.charAt(i) == '?') {
            i++;
            if (i < n
                && regex.charAt(i) == '<'
                && i + 1 < n
                && Character.isLetter(regex.charAt(i + 1))) {
              i = regex.indexOf('>', i) + 1; // named group
            } else if (i < n && regex.charAt(i) == '<') {
              i += 2; // look-behind (?<= or (?<!
              lookaround = true;
            } else if (i < n && "=!>:".indexOf(regex.charAt(i)) >= 0) {
              lookaround = regex.charAt(i) == '=' || regex.charAt(i) == '!';
              i++;
            } else {
              // inline flags: (?i) or (?i:...)
              while (i < n && (Character.isLetter(regex.charAt(i)) || regex.charAt(i) == '-')) {
                i++;
              }
              if (i < n && regex.charAt(i) == ')') {
                i++;
                lastAtomWasQuantifiedInside = false;
                lastAtomReadsNothing = true;
                continue;
              }
              i++; // ':'
            }
          }
          groups.push(new boolean[] {false, lookaround, false});
        }
        case ')' -> {
          boolean[] group = groups.size() > 1 ? groups.pop() : new boolean[3];
          boolean inner = group[0];
          lastAtomWasQuantifiedInside = inner;
          lastAtomReadsNothing = group[1] || !group[2];
          if (inner) {
            groups.peek()[0] = true;
          }
          if (!lastAtomReadsNothing) {
            groups.peek()[2] = true;
          }
          i++;
        }
        case '*', '+', '?', '{' -> {
          int end = c == '{' ? quantifierEnd(regex, i) : i + 1;
          if (end < 0) {
            // a literal '{'
            lastAtomWasQuantifiedInside = false;
            lastAtomReadsNothing = false;
            groups.peek()[2] = true;
            i++;
            break;
          }
          // '?' does not repeat its operand, so (a+)? cannot blow up; only repeating ones can
          if (lastAtomWasQuantifiedInside && c != '?') {
            throw unsafe(
                regex,
                "a quantified group contains another quantifier (such as (a+)+), which can take"
                    + " exponential time");
          }
          if (lastAtomReadsNothing && c != '?') {
            throw unsafe(
                regex,
                "a repeating quantifier applies to something that matches no character (a"
                    + " look-around, an anchor or an empty group), which repeats without reading"
                    + " the input");
          }
          if (c == '{' && largestCount(regex, i, end) > Limits.MAX_REGEX_REPEAT) {
            throw unsafe(
                regex,
                "a repetition count is above " + Limits.MAX_REGEX_REPEAT + " (such as a{5000})");
          }
          groups.peek()[0] = true;
          i = end;
          if (i < n && (regex.charAt(i) == '?' || regex.charAt(i) == '+')) {
            i++; // lazy or possessive modifier
          }
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = false;
        }
        case '^', '$' -> {
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = true;
          i++;
        }
        case '|' -> {
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = false;
          i++;
        }
        default -> {
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = false;
          groups.peek()[2] = true;
          i++;
        }
      }
    }
  }

  /** The largest number in the counted quantifier {@code regex[start, end)}; saturates. */
  private static long largestCount(String regex, int start, int end) {
    long largest = 0;
    long current = 0;
    for (int i = start + 1; i < end; i++) {
      char c = regex.charAt(i);
      if (c >= '0' && c <= '9') {
        current = Math.min(Integer.MAX_VALUE + 1L, current * 10 + (c - '0'));
        largest = Math.max(largest, current);
      } else {
        current = 0;
      }
    }
    return largest;
  }

  private static int skipClass(String regex, int start) {
    int i = start + 1;
    int n = regex.length();
    if (i < n && regex.charAt(i) == '^') {
      i++;
    }
    if (i < n && regex.charAt(i) == ']') {
      i++;
    }
    int depth = 1;
    while (i < n && depth > 0) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '[') {
        depth++;
      } else if (c == ']') {
        depth--;
      }
      i++;
    }
    return i;
  }

  /** End index (exclusive) of {@code {n}}, {@code {n,}} or {@code {n,m}} at {@code i}, or -1. */
  private static int quantifierEnd(String regex, int i) {
    int j = i + 1;
    int n = regex.length();
    int digits = 0;
    while (j < n && Character.isDigit(regex.charAt(j))) {
      j++;
      digits++;
    }
    if (digits == 0) {
      return -1;
    }
    if (j < n && regex.charAt(j) == ',') {
      j++;
      while (j < n && Character.isDigit(regex.charAt(j))) {
        j++;
      }
    }
    return j < n && regex.charAt(j) == '}' ? j + 1 : -1;
  }

  private static dev.hookline.InvalidFilterException unsafe(String regex, String why) {
    return Problem.of("regular expression " + Problem.quote(regex) + " is not allowed: " + why);
  }
}
