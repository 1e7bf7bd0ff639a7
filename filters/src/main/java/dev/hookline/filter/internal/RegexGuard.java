package dev.hookline.filter.internal;

import java.util.ArrayDeque;
import java.util.Arrays;
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
 *       {@code (a|b)*} over long input) also gives up, as does one the engine fails with an index
 *       out of bounds (JDK 17's {@code \b{g}}). A match that gives up counts as no match.
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
    } catch (IndexOutOfBoundsException e) {
      // JDK 17's grapheme boundary \b{g} can read past the end of the input ("\b{g}a*+\G" on
      // "aa"); Filter.test must not throw, and this match cannot go on.
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
   *
   * <p>The check is only as good as its agreement with {@code java.util.regex} on where each token
   * starts and ends: a class, a group or an escape that one of them sees and the other does not
   * lets a forbidden shape through unseen. So it reads the pattern as the engine does: code points,
   * {@code \Q...\E} rewritten first ({@link #unquote}), escapes that take more than one character
   * ({@code \cX}, {@code \p{..}}, {@code \b{g}}) taken whole, and a {@code ]} that opens a class
   * literal. The inline flags that change the syntax itself are refused instead.
   */
  private static void checkSafe(String regex) {
    int[] p = unquote(regex.codePoints().toArray());
    // One frame per open group: [a quantifier occurs inside it, it is a look-around, something
    // inside it reads a character].
    Deque<boolean[]> groups = new ArrayDeque<>();
    groups.push(new boolean[3]);
    // The engine lets a counted quantifier follow nothing (at the start, after '(' or '|', or
    // after another quantifier) and applies it to an empty atom: "{5}", "a|{5}", "a{2}{3}".
    boolean lastAtomWasQuantifiedInside = false;
    boolean lastAtomReadsNothing = true;
    int i = 0;
    int n = p.length;
    while (i < n) {
      int c = p[i];
      switch (c) {
        case '\\' -> {
          int next = i + 1 < n ? p[i + 1] : ' ';
          if ((next >= '1' && next <= '9') || next == 'k') {
            throw unsafe(regex, "back-references are not allowed");
          }
          boolean anchor = "bBAGzZ".indexOf(next) >= 0;
          i = escapeEnd(p, i);
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = anchor;
          if (!anchor) {
            groups.peek()[2] = true;
          }
        }
        case '[' -> {
          i = classEnd(p, i);
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = false;
          groups.peek()[2] = true;
        }
        case '(' -> {
          i++;
          boolean lookaround = false;
          if (at(p, i) == '?') {
            i++;
            int kind = at(p, i);
            if (kind == '<' && at(p, i + 1) != '=' && at(p, i + 1) != '!') {
              int end = indexOf(p, '>', i);
              i = end < 0 ? n : end + 1; // named group
            } else if (kind == '<') {
              i += 2; // look-behind (?<= or (?<!
              lookaround = true;
            } else if (kind == '=' || kind == '!' || kind == '>' || kind == ':') {
              lookaround = kind == '=' || kind == '!';
              i++;
            } else {
              // inline flags: (?i) or (?i:...)
              while (i < n && p[i] != ')' && p[i] != ':') {
                refuseFlag(regex, p[i]);
                i++;
              }
              if (at(p, i) == ')') {
                i++;
                lastAtomWasQuantifiedInside = false;
                lastAtomReadsNothing = true;
                continue;
              }
              i++; // ':'
            }
          }
          groups.push(new boolean[] {false, lookaround, false});
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = true;
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
          int end = c == '{' ? quantifierEnd(p, i) : i + 1;
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
          if (c == '{' && largestCount(p, i, end) > Limits.MAX_REGEX_REPEAT) {
            throw unsafe(
                regex,
                "a repetition count is above " + Limits.MAX_REGEX_REPEAT + " (such as a{5000})");
          }
          groups.peek()[0] = true;
          i = end;
          if (at(p, i) == '?' || at(p, i) == '+') {
            i++; // lazy or possessive modifier
          }
          // only a counted quantifier can follow, and the engine applies it to an empty atom
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = true;
        }
        case '^', '$' -> {
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = true;
          i++;
        }
        case '|' -> {
          lastAtomWasQuantifiedInside = false;
          lastAtomReadsNothing = true;
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

  /**
   * Refuses the inline flags that change how the pattern is read or matched in ways this check does
   * not model: {@code x} (comments: the engine then skips spaces and {@code #...} to the end of the
   * line, which this check would read as characters, so {@code (a+) +} would pass as {@code (a+)}
   * followed by a space) and {@code c} (canonical equivalence). The others ({@code i, d, m, s, u,
   * U}) only change what a character or an anchor matches.
   */
  private static void refuseFlag(String regex, int flag) {
    if (flag == 'x') {
      throw unsafe(
          regex,
          "the inline flag x (comments: spaces, and # to the end of the line, are ignored) is"
              + " refused, because the safety check would read them as characters and miss what"
              + " they hide; write a space as \\x20 and leave comments out. Allowed inline flags:"
              + " i, d, m, s, u, U");
    }
    if (flag == 'c') {
      throw unsafe(
          regex,
          "the inline flag c (canonical equivalence) is refused, because the safety check does"
              + " not model how it matches. Allowed inline flags: i, d, m, s, u, U");
    }
  }

  /**
   * The pattern as {@code java.util.regex} parses it (its {@code RemoveQEQuoting}): every {@code
   * \Q...\E} replaced by its characters, each ASCII one that is not a letter or digit escaped, and
   * a digit that opens a quote written in hex ({@code \Q1} as {@code \x31}). The engine does this
   * before anything else, inside character classes too, so {@code [\Q[\E]} is the class {@code
   * [\[]} and {@code [\Q\E]} leaves a {@code ]} that is the class's first, literal character.
   */
  private static int[] unquote(int[] p) {
    int n = p.length;
    int i = 0;
    while (i < n - 1 && !(p[i] == '\\' && p[i + 1] == 'Q')) {
      i += p[i] == '\\' ? 2 : 1;
    }
    if (i >= n - 1) {
      return p;
    }
    int[] out = new int[i + 3 * n + 2];
    System.arraycopy(p, 0, out, 0, i);
    int j = i;
    i += 2;
    boolean inQuote = true;
    boolean beginQuote = true;
    while (i < n) {
      int c = p[i++];
      if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        out[j++] = c;
      } else if (c >= '0' && c <= '9') {
        if (beginQuote) {
          // an escape just before the quote (\0, \x) must not take the digit as its own
          out[j++] = '\\';
          out[j++] = 'x';
          out[j++] = '3';
        }
        out[j++] = c;
      } else if (c != '\\') {
        if (inQuote) {
          out[j++] = '\\';
        }
        out[j++] = c;
      } else if (inQuote) {
        if (i < n && p[i] == 'E') {
          i++;
          inQuote = false;
        } else {
          out[j++] = '\\';
          out[j++] = '\\';
        }
      } else if (i < n && p[i] == 'Q') {
        i++;
        inQuote = true;
        beginQuote = true;
        continue;
      } else {
        out[j++] = c;
        if (i < n) {
          out[j++] = p[i++];
        }
      }
      beginQuote = false;
    }
    return Arrays.copyOf(out, j);
  }

  /**
   * End (exclusive) of the escape at {@code i}. Most take one character; {@code \cX} takes any
   * character as X (so {@code \c[} is not a class and {@code \c\} is not an escape), {@code \pL}
   * one letter, and {@code \p{..}}, {@code \P{..}}, {@code \x{..}}, {@code \N{..}} and {@code
   * \b{g}} run to their brace.
   */
  private static int escapeEnd(int[] p, int i) {
    int next = at(p, i + 1);
    if (next == 'c' || ((next == 'p' || next == 'P') && at(p, i + 2) != '{')) {
      return Math.min(i + 3, p.length); // \cX, \pL
    }
    boolean graphemeBound =
        next == 'b' && at(p, i + 2) == '{' && at(p, i + 3) == 'g' && at(p, i + 4) == '}';
    boolean braced =
        (next == 'p' || next == 'P' || next == 'x' || next == 'N') && at(p, i + 2) == '{';
    if (braced || graphemeBound) {
      int end = indexOf(p, '}', i + 2);
      return end < 0 ? p.length : end + 1;
    }
    return Math.min(i + 2, p.length);
  }

  /**
   * End (exclusive) of the character class at {@code start}, following {@code Pattern.clazz}: a
   * nested {@code [} opens a nested class (union, or an operand of {@code &&}), and a {@code ]}
   * right after a class's {@code [} or {@code [^} is a literal, in nested classes too.
   */
  private static int classEnd(int[] p, int start) {
    int i = start + 1;
    int n = p.length;
    if (at(p, i) == '^') {
      i++;
    }
    if (at(p, i) == ']') {
      i++;
    }
    while (i < n) {
      int c = p[i];
      if (c == '\\') {
        i = escapeEnd(p, i);
      } else if (c == '[') {
        i = classEnd(p, i);
      } else if (c == ']') {
        return i + 1;
      } else {
        i++;
      }
    }
    return n;
  }

  /** End index (exclusive) of {@code {n}}, {@code {n,}} or {@code {n,m}} at {@code i}, or -1. */
  private static int quantifierEnd(int[] p, int i) {
    int j = i + 1;
    int digits = 0;
    while (isDigit(at(p, j))) {
      j++;
      digits++;
    }
    if (digits == 0) {
      return -1;
    }
    if (at(p, j) == ',') {
      j++;
      while (isDigit(at(p, j))) {
        j++;
      }
    }
    return at(p, j) == '}' ? j + 1 : -1;
  }

  /** The largest number in the counted quantifier {@code p[start, end)}; saturates. */
  private static long largestCount(int[] p, int start, int end) {
    long largest = 0;
    long current = 0;
    for (int i = start + 1; i < end; i++) {
      int c = p[i];
      if (isDigit(c)) {
        current = Math.min(Integer.MAX_VALUE + 1L, current * 10 + (c - '0'));
        largest = Math.max(largest, current);
      } else {
        current = 0;
      }
    }
    return largest;
  }

  /** ASCII only, as the engine's counted quantifiers. */
  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  /** The code point at {@code i}, or -1 past the end. */
  private static int at(int[] p, int i) {
    return i < p.length ? p[i] : -1;
  }

  private static int indexOf(int[] p, int c, int from) {
    for (int i = from; i < p.length; i++) {
      if (p[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static dev.hookline.InvalidFilterException unsafe(String regex, String why) {
    return Problem.of("regular expression " + Problem.quote(regex) + " is not allowed: " + why);
  }
}
