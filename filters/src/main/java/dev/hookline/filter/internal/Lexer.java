package dev.hookline.filter.internal;

import dev.hookline.InvalidFilterException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Splits filter text into tokens, each with its 1-based line and column. */
final class Lexer {
  enum Kind {
    IDENT,
    STRING,
    NUMBER,
    LPAREN,
    RPAREN,
    LBRACKET,
    RBRACKET,
    COMMA,
    DOT,
    EQ,
    NE,
    GT,
    GTE,
    LT,
    LTE,
    EOF
  }

  record Token(Kind kind, String text, int line, int column) {
    /** How the token is shown in "but found ..." messages. */
    String describe() {
      return switch (kind) {
        case EOF -> "the end of the filter";
        case STRING -> "the string " + Problem.quote(text);
        case NUMBER -> "the number " + text;
        default -> "'" + Problem.clip(text) + "'";
      };
    }
  }

  private final String s;
  private int i;
  private int line = 1;
  private int lineStart;

  private Lexer(String s) {
    this.s = s;
  }

  static List<Token> tokenize(String text) {
    return new Lexer(text).run();
  }

  private List<Token> run() {
    List<Token> out = new ArrayList<>();
    while (true) {
      skipSpace();
      int col = i - lineStart + 1;
      if (i >= s.length()) {
        out.add(new Token(Kind.EOF, "", line, col));
        return out;
      }
      char c = s.charAt(i);
      if ((Character.isLetter(c) && c < 0x80) || c == '_') {
        int start = i;
        while (i < s.length() && isIdentPart(s.charAt(i))) {
          i++;
        }
        out.add(new Token(Kind.IDENT, s.substring(start, i), line, col));
      } else if (c == '"') {
        out.add(new Token(Kind.STRING, string(col), line, col));
      } else if ((c >= '0' && c <= '9') || c == '-') {
        out.add(new Token(Kind.NUMBER, number(col), line, col));
      } else {
        Kind k;
        int len = 1;
        char next = i + 1 < s.length() ? s.charAt(i + 1) : '\0';
        switch (c) {
          case '(' -> k = Kind.LPAREN;
          case ')' -> k = Kind.RPAREN;
          case '[' -> k = Kind.LBRACKET;
          case ']' -> k = Kind.RBRACKET;
          case ',' -> k = Kind.COMMA;
          case '.' -> k = Kind.DOT;
          case '=' -> {
            if (next != '=') {
              throw error("unexpected '='; did you mean '=='?", col);
            }
            k = Kind.EQ;
            len = 2;
          }
          case '!' -> {
            if (next != '=') {
              throw error("unexpected '!'; did you mean '!=' or 'not'?", col);
            }
            k = Kind.NE;
            len = 2;
          }
          case '>' -> {
            k = next == '=' ? Kind.GTE : Kind.GT;
            len = next == '=' ? 2 : 1;
          }
          case '<' -> {
            k = next == '=' ? Kind.LTE : Kind.LT;
            len = next == '=' ? 2 : 1;
          }
          default ->
              throw error(
                  "unexpected character "
                      + describeChar(s.codePointAt(i))
                      + "; expected a field, a value, an operator or a parenthesis",
                  col);
        }
        out.add(new Token(k, s.substring(i, i + len), line, col));
        i += len;
      }
    }
  }

  private static boolean isIdentPart(char c) {
    return c < 0x80 && (Character.isLetterOrDigit(c) || c == '_');
  }

  private void skipSpace() {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\n') {
        line++;
        i++;
        lineStart = i;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        i++;
      } else {
        return;
      }
    }
  }

  private String string(int col) {
    StringBuilder b = new StringBuilder();
    i++; // opening quote
    while (true) {
      if (i >= s.length()) {
        throw error("string starting here is not closed; expected '\"'", col);
      }
      char c = s.charAt(i);
      if (c == '"') {
        i++;
        break;
      }
      if (c == '\n' || c == '\r') {
        throw error("string starting here runs past the end of the line; expected '\"'", col);
      }
      if (c == '\\') {
        int at = i - lineStart + 1;
        if (i + 1 >= s.length()) {
          throw error("escape at the end of the filter; expected a character after '\\'", at);
        }
        char e = s.charAt(i + 1);
        i += 2;
        switch (e) {
          case '"' -> b.append('"');
          case '\\' -> b.append('\\');
          case '/' -> b.append('/');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'u' -> {
            if (i + 4 > s.length()) {
              throw error("\\u needs four hex digits", at);
            }
            // Not Integer.parseInt, which also takes a sign ("\\u-001" as U+FFFF) and non-ASCII
            // digits.
            int code = 0;
            for (int k = i; k < i + 4; k++) {
              int digit = hexDigit(s.charAt(k));
              if (digit < 0) {
                throw error("\\u needs four hex digits", at);
              }
              code = code * 16 + digit;
            }
            b.append((char) code);
            i += 4;
          }
          default ->
              throw error(
                  "unknown escape '\\"
                      + e
                      + "'; expected one of \\\" \\\\ \\/ \\n \\r \\t \\b \\f or \\u followed by four hex digits"
                      + " (write a regex backslash as \\\\)",
                  at);
        }
      } else {
        b.append(c);
        i++;
      }
      if (b.length() > Limits.MAX_STRING_LENGTH) {
        throw error("string is longer than " + Limits.MAX_STRING_LENGTH + " characters", col);
      }
    }
    return b.toString();
  }

  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** The value of an ASCII hex digit, or -1. */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private String number(int col) {
    int start = i;
    if (s.charAt(i) == '-') {
      i++;
    }
    int digits = i;
    while (i < s.length() && isAsciiDigit(s.charAt(i))) {
      i++;
    }
    if (i == digits) {
      throw error("expected a digit after '-'", col);
    }
    if (i < s.length() && s.charAt(i) == '.') {
      i++;
      int frac = i;
      while (i < s.length() && isAsciiDigit(s.charAt(i))) {
        i++;
      }
      if (i == frac && !(i < s.length() && Character.isDigit(s.charAt(i)))) {
        throw error("expected a digit after the decimal point", col);
      }
    }
    if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exp = i;
      while (i < s.length() && isAsciiDigit(s.charAt(i))) {
        i++;
      }
      if (i == exp && !(i < s.length() && Character.isDigit(s.charAt(i)))) {
        throw error("expected a digit in the exponent", col);
      }
    }
    // Digits are ASCII, as in JSON: Character.isDigit took any script's, which BigDecimal reads
    // too, so "1\u0663" (an Arabic-Indic three) was 13.
    if (i < s.length() && (isIdentPart(s.charAt(i)) || Character.isLetterOrDigit(s.charAt(i)))) {
      throw error(
          "malformed number; expected ASCII digits 0-9, '.', or an exponent such as e3", col);
    }
    String text = s.substring(start, i);
    if (text.length() > Limits.MAX_NUMBER_LENGTH) {
      throw error("number is longer than " + Limits.MAX_NUMBER_LENGTH + " characters", col);
    }
    try {
      new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw error("malformed number " + text, col);
    }
    return text;
  }

  /** A character for a message: itself in quotes, whole, or its code for a control or a space. */
  private static String describeChar(int c) {
    return Character.isISOControl(c)
            || Character.isWhitespace(c)
            || Character.getType(c) == Character.SURROGATE
        ? String.format(java.util.Locale.ROOT, "U+%04X", c)
        : "'" + Character.toString(c) + "'";
  }

  private InvalidFilterException error(String problem, int col) {
    return new InvalidFilterException(problem, line, col);
  }
}
