package dev.hookline.filter.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Keeps regular expressions from hurting the dispatcher. {@code java.util.regex} backtracks, so a
 * hostile pattern can take exponential time. Two defences:
 *
 * <ol>
 *   <li>At compile time, patterns with the usual catastrophic constructs are rejected: a quantified
 *       group that itself contains a quantifier ({@code (a+)+}, {@code (a*b?)*}, {@code (x{2,})+})
 *       and back-references ({@code \1}, {@code \k<name>}); so is whatever lets the engine work
 *       without reading a character, which the bound below, counting reads, could not stop ({@code
 *       (|)(|)(|)(?!)}, {@code (?=){1000}}).
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
   * Rejects what makes {@code java.util.regex} work without reading the input, since the match-time
   * budget counts reads and could not stop it, and the classic exponential shapes. Assumes {@code
   * regex} compiles. Refused:
   *
   * <ul>
   *   <li>back-references, and a group with a repeating quantifier that contains a quantifier;
   *   <li>repetition counts above {@link Limits#MAX_REGEX_REPEAT};
   *   <li>a repeating quantifier on what matches no character (a look-around, an anchor, an empty
   *       group): {@code (?=){2147483647}(?!)} looped two billion times per start position;
   *   <li>a choice between two ways to match without reading: two such alternatives ({@code (|)})
   *       or a quantifier that is not possessive on something that can ({@code (a*)?}, {@code $?}).
   *       Where what follows fails, the engine tries both ways, so k choices in a row cost 2^k
   *       ({@code (|)(|)...(|)(?!)}), at every start position, without a single read;
   *   <li>a count of two or more on something that can match without reading, even possessive:
   *       {@code (?:(?=)|a){1000}+} runs its atom a thousand times at every position;
   *   <li>look-behinds that would make the pattern longer than {@link Limits#MAX_REGEX_LENGTH} if
   *       each one's contents were written once for every start the engine may try it from: {@code
   *       (?<!(?!).{0,1000})} tries a thousand starts at every position, none of which reads.
   * </ul>
   *
   * <p>A choice is fine where it is the last thing in an atomic group, a possessive quantifier or a
   * look-ahead: the first way it matches there is final ({@code (?>|)}, {@code (a*)?+}). With these
   * rules every part of a pattern has at most one way to match without reading, so the work between
   * two reads is at most about as many steps as the pattern has characters.
   *
   * <p>The check is only as good as its agreement with {@code java.util.regex} on where each token
   * starts and ends: a class, a group or an escape that one of them sees and the other does not
   * lets a forbidden shape through unseen. So it reads the pattern as the engine does: code points,
   * {@code \Q...\E} rewritten first ({@link #unquote}), escapes that take more than one character
   * ({@code \cX}, {@code \p{..}}, {@code \b{g}}) taken whole, and a {@code ]} that opens a class
   * literal. The inline flags that change the syntax itself are refused instead.
   */
  private static void checkSafe(String regex) {
    Parser parser = new Parser(regex, unquote(regex.codePoints().toArray()));
    Node root = parser.alternation();
    long weighted = Math.min(UNBOUNDED, regex.length() + parser.lookbehindExtra);
    if (weighted > Limits.MAX_REGEX_LENGTH) {
      throw unsafe(
          regex,
          "its look-behinds make it count as "
              + (weighted == UNBOUNDED ? "unboundedly many" : weighted)
              + " characters, above the limit of "
              + Limits.MAX_REGEX_LENGTH
              + ". The engine tries a look-behind from every start its length allows, most of"
              + " them without reading the input, so its contents count once per start:"
              + " (?<=\\w{1,9}) counts its 6 characters 9 times, and (?<=a*) or a look-behind"
              + " inside a look-behind can count far more. Give look-behinds a fixed or nearly"
              + " fixed length");
    }
    checkChoices(regex, root, false);
  }

  /** Unbounded, for lengths and counts; sums and products saturate here. */
  private static final long UNBOUNDED = Long.MAX_VALUE / 4;

  private static long plus(long a, long b) {
    return Math.min(UNBOUNDED, a + b);
  }

  private static long times(long a, long b) {
    if (a == 0 || b == 0) {
      return 0;
    }
    return a >= UNBOUNDED / b ? UNBOUNDED : a * b;
  }

  /** The shape of a part of a pattern, as far as the checks need it. */
  private enum Kind {
    /** A character, an anchor, or nothing. */
    LEAF,
    SEQUENCE,
    ALTERNATION,
    /** Capturing, non-capturing or with flags: the engine may come back into it. */
    GROUP,
    ATOMIC,
    LOOKAHEAD,
    LOOKBEHIND,
    QUANTIFIED
  }

  /**
   * A parsed part of a pattern. {@code reads}: it can consume input (a look-around does not);
   * {@code nullable}: it may match without reading a character; {@code quantifierInside}: a
   * quantifier occurs in it; {@code minLength}, {@code maxLength}: how many characters it matches,
   * as the engine measures a look-behind; {@code min}, {@code max}, {@code possessive}: the
   * quantifier, for {@link Kind#QUANTIFIED}.
   */
  private record Node(
      Kind kind,
      List<Node> children,
      boolean reads,
      boolean nullable,
      boolean quantifierInside,
      long minLength,
      long maxLength,
      long min,
      long max,
      boolean possessive) {

    static final Node EMPTY = leaf(false, 0, 0);

    static Node leaf(boolean reads, long minLength, long maxLength) {
      return new Node(
          Kind.LEAF, List.of(), reads, !reads, false, minLength, maxLength, 1, 1, false);
    }

    static Node sequence(List<Node> items) {
      if (items.size() == 1) {
        return items.get(0);
      }
      long minLength = 0;
      long maxLength = 0;
      for (Node item : items) {
        minLength = plus(minLength, item.minLength());
        maxLength = plus(maxLength, item.maxLength());
      }
      return new Node(
          Kind.SEQUENCE,
          List.copyOf(items),
          items.stream().anyMatch(Node::reads),
          items.stream().allMatch(Node::nullable),
          items.stream().anyMatch(Node::quantifierInside),
          minLength,
          maxLength,
          1,
          1,
          false);
    }

    static Node alternation(List<Node> branches) {
      if (branches.size() == 1) {
        return branches.get(0);
      }
      return new Node(
          Kind.ALTERNATION,
          List.copyOf(branches),
          branches.stream().anyMatch(Node::reads),
          branches.stream().anyMatch(Node::nullable),
          branches.stream().anyMatch(Node::quantifierInside),
          branches.stream().mapToLong(Node::minLength).min().orElse(0),
          branches.stream().mapToLong(Node::maxLength).max().orElse(0),
          1,
          1,
          false);
    }

    static Node group(Kind kind, Node content) {
      boolean lookaround = kind == Kind.LOOKAHEAD || kind == Kind.LOOKBEHIND;
      return new Node(
          kind,
          List.of(content),
          !lookaround && content.reads(),
          lookaround || content.nullable(),
          content.quantifierInside(),
          lookaround ? 0 : content.minLength(),
          lookaround ? 0 : content.maxLength(),
          1,
          1,
          false);
    }

    static Node quantified(Node atom, long min, long max, boolean possessive) {
      return new Node(
          Kind.QUANTIFIED,
          List.of(atom),
          atom.reads(),
          min == 0 || atom.nullable(),
          true,
          times(atom.minLength(), min),
          times(atom.maxLength(), max),
          min,
          max,
          possessive);
    }

    Node only() {
      return children.get(0);
    }
  }

  /**
   * Reads the (unquoted) pattern into {@link Node}s. It refuses back-references, the flags {@code
   * x} and {@code c}, nested quantifiers, repeats of what matches no character and counts above the
   * limit where it meets them, and adds up what look-behinds cost.
   */
  private static final class Parser {
    private final String regex;
    private final int[] p;
    private int i;

    /** How many characters the look-behinds add when each one's contents count once per start. */
    long lookbehindExtra;

    Parser(String regex, int[] p) {
      this.regex = regex;
      this.p = p;
    }

    /** Alternatives up to an unmatched {@code )} or the end. */
    Node alternation() {
      List<Node> branches = new ArrayList<>();
      branches.add(sequence());
      while (at(p, i) == '|') {
        i++;
        branches.add(sequence());
      }
      return Node.alternation(branches);
    }

    private Node sequence() {
      List<Node> items = new ArrayList<>();
      // The engine lets a counted quantifier follow nothing (at the start, after '(' or '|', or
      // after another quantifier) and applies it to an empty atom: "{5}", "a|{5}", "a{2}{3}".
      boolean lastIsOperand = false;
      while (i < p.length && p[i] != '|' && p[i] != ')') {
        int c = p[i];
        int end = c == '{' ? quantifierEnd(p, i) : i + 1;
        if ((c == '*' || c == '+' || c == '?' || c == '{') && end >= 0) {
          Node atom = lastIsOperand ? items.remove(items.size() - 1) : Node.EMPTY;
          items.add(quantifier(atom, end));
          lastIsOperand = false;
        } else {
          items.add(atom());
          lastIsOperand = true;
        }
      }
      return items.isEmpty() ? Node.EMPTY : Node.sequence(items);
    }

    private Node atom() {
      int c = p[i];
      switch (c) {
        case '\\' -> {
          int next = i + 1 < p.length ? p[i + 1] : ' ';
          if ((next >= '1' && next <= '9') || next == 'k') {
            throw unsafe(regex, "back-references are not allowed");
          }
          i = escapeEnd(p, i);
          if ("bBAGzZ".indexOf(next) >= 0) {
            return Node.EMPTY;
          }
          // \R is a line break of one or two characters, \X a grapheme cluster of any length
          return Node.leaf(true, 1, next == 'R' ? 2 : next == 'X' ? UNBOUNDED : 1);
        }
        case '[' -> {
          i = classEnd(p, i);
          return Node.leaf(true, 1, 1);
        }
        case '(' -> {
          return group();
        }
        case '^', '$' -> {
          i++;
          return Node.EMPTY;
        }
        default -> {
          i++; // a literal '{' too
          return Node.leaf(true, Character.charCount(c), Character.charCount(c));
        }
      }
    }

    private Node group() {
      i++;
      Kind kind = Kind.GROUP;
      if (at(p, i) == '?') {
        i++;
        int type = at(p, i);
        if (type == '<' && at(p, i + 1) != '=' && at(p, i + 1) != '!') {
          int end = indexOf(p, '>', i);
          i = end < 0 ? p.length : end + 1; // named group
        } else if (type == '<') {
          i += 2; // look-behind (?<= or (?<!
          kind = Kind.LOOKBEHIND;
        } else if (type == '=' || type == '!') {
          i++;
          kind = Kind.LOOKAHEAD;
        } else if (type == '>') {
          i++;
          kind = Kind.ATOMIC;
        } else if (type == ':') {
          i++;
        } else {
          // inline flags: (?i) or (?i:...)
          while (i < p.length && p[i] != ')' && p[i] != ':') {
            refuseFlag(regex, p[i]);
            i++;
          }
          if (at(p, i) == ')') {
            i++;
            return Node.EMPTY; // a quantifier after (?i) applies to nothing
          }
          i++; // ':'
        }
      }
      long extraBefore = lookbehindExtra;
      int start = i;
      Node content = alternation();
      if (kind == Kind.LOOKBEHIND) {
        // The engine tries the contents from each start between the shortest and longest length.
        long starts = plus(content.maxLength() - content.minLength(), 1);
        long once = plus(i - start, lookbehindExtra - extraBefore);
        lookbehindExtra = plus(extraBefore, times(starts, once) - (i - start));
      }
      i++; // ')'
      return Node.group(kind, content);
    }

    private Node quantifier(Node atom, int end) {
      int c = p[i];
      // '?' does not repeat its operand, so (a+)? cannot blow up; only repeating ones can
      if (c != '?' && atom.kind() != Kind.LEAF && atom.quantifierInside()) {
        throw unsafe(
            regex,
            "a quantified group contains another quantifier (such as (a+)+), which can take"
                + " exponential time");
      }
      if (c != '?' && !atom.reads()) {
        throw unsafe(
            regex,
            "a repeating quantifier applies to something that matches no character (a"
                + " look-around, an anchor or an empty group), which repeats without reading"
                + " the input");
      }
      long min;
      long max;
      if (c == '{') {
        if (largestCount(p, i, end) > Limits.MAX_REGEX_REPEAT) {
          throw unsafe(
              regex,
              "a repetition count is above " + Limits.MAX_REGEX_REPEAT + " (such as a{5000})");
        }
        int comma = indexOf(p, ',', i);
        boolean range = comma >= 0 && comma < end;
        min = number(i + 1, range ? comma : end - 1);
        max = !range ? min : comma + 1 == end - 1 ? UNBOUNDED : number(comma + 1, end - 1);
      } else {
        min = c == '+' ? 1 : 0;
        max = c == '?' ? 1 : UNBOUNDED;
      }
      i = end;
      boolean possessive = at(p, i) == '+';
      if (at(p, i) == '?' || possessive) {
        i++; // lazy or possessive modifier
      }
      return Node.quantified(atom, min, max, possessive);
    }

    /** The decimal number in {@code p[from, to)}, which is at most the repeat limit. */
    private long number(int from, int to) {
      long n = 0;
      for (int j = from; j < to; j++) {
        n = n * 10 + (p[j] - '0');
      }
      return n;
    }
  }

  /**
   * Refuses the choices between two ways to match without reading. {@code committed}: nothing
   * follows {@code node} before the end of an atomic group, a possessive quantifier or a
   * look-ahead, so the first way {@code node} matches is final and the engine never comes back to
   * try another.
   */
  private static void checkChoices(String regex, Node node, boolean committed) {
    switch (node.kind()) {
      case LEAF -> {}
      case SEQUENCE -> {
        List<Node> items = node.children();
        for (int k = 0; k < items.size(); k++) {
          checkChoices(regex, items.get(k), committed && k == items.size() - 1);
        }
      }
      case ALTERNATION -> {
        if (!committed && node.children().stream().filter(Node::nullable).count() > 1) {
          throw unsafe(
              regex,
              "two or more alternatives can match without reading a character (an empty one, an"
                  + " anchor such as ^, $ or \\b, a look-around, or something optional such as a?"
                  + " or b*). Where what follows fails, the engine tries each of them, so a few"
                  + " such choices in a row take exponential time without reading the input,"
                  + " which the match-time bound cannot stop. Let at most one alternative match"
                  + " nothing, as (a|b)? does for (a?|b?), or make the choice atomic: (?>a?|b?)");
        }
        for (Node branch : node.children()) {
          checkChoices(regex, branch, committed);
        }
      }
      case GROUP -> checkChoices(regex, node.only(), committed);
      case ATOMIC, LOOKAHEAD -> checkChoices(regex, node.only(), true);
      // the engine then checks that the look-behind ends where it started, which can fail
      case LOOKBEHIND -> checkChoices(regex, node.only(), false);
      case QUANTIFIED -> {
        Node atom = node.only();
        if (atom.nullable() && node.min() > 1) {
          throw unsafe(
              regex,
              "a count of two or more applies to something that can match without reading a"
                  + " character (such as (a|){3} or (?:\\b|x){2,}+); the engine repeats it that"
                  + " many times at every position without reading the input. Make what is"
                  + " repeated read a character: a{0,3} rather than (a|){3}");
        }
        if (atom.nullable() && !node.possessive() && !committed) {
          throw unsafe(
              regex,
              "a quantifier applies to something that can already match without reading a"
                  + " character (such as (a*)?, (a|)?, $? or (?=a)?). Where what follows fails,"
                  + " the engine tries both ways to match nothing, so a few of these in a row"
                  + " take exponential time without reading the input, which the match-time"
                  + " bound cannot stop. Drop the quantifier if the group already matches"
                  + " nothing, or make it possessive: (a*)?+, or atomic: (?>(a*)?)");
        }
        // '?' adds a way to skip the atom, and a repeat may come back to it: only '?' passes on
        checkChoices(regex, atom, node.possessive() || (committed && node.max() <= 1));
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
