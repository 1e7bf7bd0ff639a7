package dev.hookline.set;

import dev.hookline.set.SigningKeyException.Reason;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One signing key: its key id ({@code kid}), algorithm, private key and public key. Made from PKCS
 * #8 PEM, from a {@link KeyStore}, or generated.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows the key id and algorithm only; the
 * private key is never shown, logged or put in an exception message.
 */
public final class SigningKey {
  /** The key id rule, shared with the receiver: no path separators, no "..", nothing to escape. */
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");

  /** A PEM block's opening line; its label is all a message quotes of the text. */
  private static final Pattern PEM_BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]{1,40})-----");

  private static final int MIN_RSA_BITS = 2048;
  private static final byte[] PAIR_CHECK = {'h', 'o', 'o', 'k', 'l', 'i', 'n', 'e'};

  private final String keyId;
  private final SigningAlgorithm algorithm;
  private final PrivateKey privateKey;
  private final PublicKey publicKey;

  private SigningKey(
      String keyId, SigningAlgorithm algorithm, PrivateKey privateKey, PublicKey publicKey) {
    this.keyId = keyId;
    this.algorithm = algorithm;
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  /**
   * Makes a key from a private and public key, checking that they fit the algorithm (RSA of at
   * least 2048 bits for RS256, P-256 for ES256) and are a pair.
   *
   * @param keyId the {@code kid}: 1 to 128 characters {@code A-Z a-z 0-9 . _ -}, not starting with
   *     a dot, without ".."
   * @param algorithm the algorithm
   * @param privateKey the private key
   * @param publicKey its public key
   * @return the key
   * @throws SigningKeyException if the key id, key type, size or pairing is wrong
   */
  public static SigningKey of(
      String keyId, SigningAlgorithm algorithm, PrivateKey privateKey, PublicKey publicKey) {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(publicKey, "publicKey");
    requireKeyId(keyId);
    switch (algorithm) {
      case RS256 -> {
        if (!(publicKey instanceof RSAPublicKey rsa)) {
          throw new SigningKeyException(
              Reason.WRONG_KEY_TYPE, "key " + keyId + ": RS256 needs an RSA key");
        }
        if (rsa.getModulus().bitLength() < MIN_RSA_BITS) {
          throw new SigningKeyException(
              Reason.WEAK_KEY,
              "key "
                  + keyId
                  + " has "
                  + rsa.getModulus().bitLength()
                  + " bits; RS256 keys need at least "
                  + MIN_RSA_BITS);
        }
      }
      case ES256 -> {
        if (!(publicKey instanceof ECPublicKey ec) || !isP256(ec.getParams())) {
          throw new SigningKeyException(
              Reason.WRONG_KEY_TYPE, "key " + keyId + ": ES256 needs an EC key on P-256");
        }
      }
    }
    checkPair(keyId, algorithm, privateKey, publicKey);
    return new SigningKey(keyId, algorithm, privateKey, publicKey);
  }

  /**
   * Generates a new key, for development and tests (production keys usually come from a key store
   * or a secrets manager as PEM).
   *
   * @param keyId the key id
   * @param algorithm RS256 (2048-bit RSA) or ES256 (P-256)
   * @param random the randomness
   * @return the key
   */
  public static SigningKey generate(String keyId, SigningAlgorithm algorithm, SecureRandom random) {
    Objects.requireNonNull(random, "random");
    try {
      KeyPairGenerator g;
      if (algorithm == SigningAlgorithm.RS256) {
        g = KeyPairGenerator.getInstance("RSA");
        g.initialize(MIN_RSA_BITS, random);
      } else {
        g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), random);
      }
      KeyPair pair = g.generateKeyPair();
      return of(keyId, algorithm, pair.getPrivate(), pair.getPublic());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate " + algorithm + " keys", e);
    }
  }

  /**
   * Loads an RSA key for RS256 from PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}); the public
   * key is derived from it.
   *
   * @param keyId the key id
   * @param pkcs8Pem the private key
   * @return the key
   * @throws SigningKeyException {@link Reason#WRONG_KEY_TYPE} if the PEM holds a private key of
   *     another type (an EC key: load it with the public key for ES256) or an RSA key without its
   *     CRT values; {@link Reason#MALFORMED_PEM} if it is no PKCS#8 private key
   */
  public static SigningKey fromPem(String keyId, String pkcs8Pem) {
    PrivateKey privateKey =
        parsePrivate(
            keyId,
            pkcs8Pem,
            "RSA",
            "fromPem(keyId, pkcs8Pem) reads RSA keys, for RS256; load an EC key on P-256 for ES256"
                + " with fromPem(keyId, SigningAlgorithm.ES256, pkcs8Pem, publicPem)");
    if (!(privateKey instanceof RSAPrivateCrtKey crt)) {
      throw new SigningKeyException(
          Reason.WRONG_KEY_TYPE,
          "key " + keyId + ": give the public key too, or an RSA key with its CRT values");
    }
    try {
      PublicKey publicKey =
          KeyFactory.getInstance("RSA")
              .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
      return of(keyId, SigningAlgorithm.RS256, privateKey, publicKey);
    } catch (GeneralSecurityException e) {
      throw new SigningKeyException(Reason.MALFORMED_PEM, "key " + keyId + ": not an RSA key", e);
    }
  }

  /**
   * Loads a key from PKCS#8 PEM and its public key from X.509 PEM ({@code -----BEGIN PUBLIC
   * KEY-----}); needed for ES256.
   *
   * @param keyId the key id
   * @param algorithm the algorithm
   * @param pkcs8Pem the private key
   * @param publicPem the public key
   * @return the key
   * @throws SigningKeyException {@link Reason#MALFORMED_PEM} if either PEM is malformed, {@link
   *     Reason#WRONG_KEY_TYPE} if either holds a key of a type the algorithm does not use, {@link
   *     Reason#MISMATCHED_PAIR} if they are not a pair
   */
  public static SigningKey fromPem(
      String keyId, SigningAlgorithm algorithm, String pkcs8Pem, String publicPem) {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(publicPem, "publicPem");
    String type = algorithm == SigningAlgorithm.RS256 ? "RSA" : "EC";
    String needs =
        algorithm == SigningAlgorithm.RS256
            ? "RS256 needs an RSA key (an EC key on P-256 is for SigningAlgorithm.ES256)"
            : "ES256 needs an EC key on P-256 (an RSA key is for SigningAlgorithm.RS256)";
    PrivateKey privateKey = parsePrivate(keyId, pkcs8Pem, type, needs);
    PublicKey publicKey;
    byte[] der = pem(keyId, publicPem, "PUBLIC KEY");
    try {
      publicKey = KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      String found = otherKeyType(type, f -> f.generatePublic(new X509EncodedKeySpec(der)));
      if (found != null) {
        throw new SigningKeyException(
            Reason.WRONG_KEY_TYPE,
            "key " + keyId + ": the public key is " + article(found) + " key; " + needs,
            e);
      }
      throw new SigningKeyException(
          Reason.MALFORMED_PEM, "key " + keyId + ": not an X.509 " + type + " public key", e);
    }
    return of(keyId, algorithm, privateKey, publicKey);
  }

  /**
   * Loads a key from a key store entry (PKCS#12 or JKS): the private key and its certificate's
   * public key. The algorithm follows the certificate's key type: RS256 for RSA, ES256 for EC.
   *
   * @param keyId the key id to publish it under
   * @param store the loaded key store
   * @param alias the entry's alias
   * @param password the entry's password
   * @return the key
   * @throws SigningKeyException if the entry is missing, unreadable or not a fitting key
   */
  public static SigningKey fromKeyStore(
      String keyId, KeyStore store, String alias, char[] password) {
    requireKeyId(keyId);
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(alias, "alias");
    Objects.requireNonNull(password, "password");
    try {
      java.security.Key key = store.getKey(alias, password);
      Certificate cert = store.getCertificate(alias);
      if (!(key instanceof PrivateKey privateKey) || cert == null) {
        throw new SigningKeyException(
            Reason.KEY_STORE,
            "key " + keyId + ": the key store has no private key with a certificate at that alias");
      }
      // By the certificate's key type, not the private key's algorithm name, which a provider
      // may spell otherwise (BouncyCastle keys can say "ECDSA"); a type neither uses is named.
      PublicKey publicKey = cert.getPublicKey();
      SigningAlgorithm algorithm;
      if (publicKey instanceof ECPublicKey) {
        algorithm = SigningAlgorithm.ES256;
      } else if (publicKey instanceof RSAPublicKey) {
        algorithm = SigningAlgorithm.RS256;
      } else {
        throw new SigningKeyException(
            Reason.WRONG_KEY_TYPE,
            "key "
                + keyId
                + ": the key store entry holds a "
                + publicKey.getAlgorithm()
                + " key; tokens are signed with RSA keys (RS256) or EC keys on P-256 (ES256)");
      }
      return of(keyId, algorithm, privateKey, publicKey);
    } catch (GeneralSecurityException e) {
      throw new SigningKeyException(
          Reason.KEY_STORE, "key " + keyId + ": the key store entry could not be read", e);
    }
  }

  /**
   * Returns whether a text is a well-formed key id: 1 to 128 characters {@code A-Z a-z 0-9 . _ -},
   * not starting with a dot, without "..".
   *
   * @param keyId the text
   * @return true if well-formed
   */
  public static boolean isKeyId(String keyId) {
    return KEY_ID.matcher(keyId).matches() && !keyId.contains("..");
  }

  /**
   * Refuses a malformed key id before anything quotes it: every message below begins {@code "key "
   * + keyId}, and a PEM passed as the key id (the two string arguments swapped) would otherwise be
   * quoted whole. The message never quotes the text.
   */
  private static void requireKeyId(String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    if (!isKeyId(keyId)) {
      throw new SigningKeyException(
          Reason.MALFORMED_KEY_ID,
          "a key id must be 1 to 128 characters A-Z a-z 0-9 . _ -, not starting with a dot and"
              + " without \"..\"");
    }
  }

  private static PrivateKey parsePrivate(
      String keyId, String pkcs8Pem, String type, String otherwise) {
    requireKeyId(keyId);
    Objects.requireNonNull(pkcs8Pem, "pkcs8Pem");
    byte[] der = pem(keyId, pkcs8Pem, "PRIVATE KEY");
    try {
      return KeyFactory.getInstance(type).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      String found = otherKeyType(type, f -> f.generatePrivate(new PKCS8EncodedKeySpec(der)));
      if (found != null) {
        throw new SigningKeyException(
            Reason.WRONG_KEY_TYPE,
            "key " + keyId + ": the private key is " + article(found) + " key; " + otherwise,
            e);
      }
      throw new SigningKeyException(
          Reason.MALFORMED_PEM, "key " + keyId + ": not a PKCS#8 " + type + " private key", e);
    }
  }

  /** Reads an encoded key with one key factory. */
  @FunctionalInterface
  private interface KeyReader {
    void read(KeyFactory factory) throws GeneralSecurityException;
  }

  /**
   * The key type, other than {@code wanted}, whose factory reads an encoding that the wanted type's
   * refused, or null if none does (the encoding is then malformed): a well-formed key of another
   * type is the wrong kind of key, not a malformed PEM.
   */
  private static @Nullable String otherKeyType(String wanted, KeyReader reader) {
    for (String type : List.of("RSA", "EC", "EdDSA", "XDH", "DSA", "RSASSA-PSS")) {
      if (type.equals(wanted)) {
        continue;
      }
      try {
        reader.read(KeyFactory.getInstance(type));
        return type;
      } catch (GeneralSecurityException | RuntimeException notThisType) {
        // the next type
      }
    }
    return null;
  }

  private static String article(String keyType) {
    return ("REX".indexOf(keyType.charAt(0)) >= 0 ? "an " : "a ") + keyType;
  }

  private static byte[] pem(String keyId, String text, String label) {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = text.indexOf(begin);
    int to = from < 0 ? -1 : text.indexOf(end, from);
    if (from >= 0 && to < 0) {
      throw new SigningKeyException(
          Reason.MALFORMED_PEM,
          "key " + keyId + ": the " + begin + " block has no " + end + " after it (cut short?)");
    }
    if (from < 0) {
      throw new SigningKeyException(
          Reason.MALFORMED_PEM, "key " + keyId + ": " + otherKind(text, label, begin, end));
    }
    String base64 = text.substring(from + begin.length(), to).replaceAll("\\s", "");
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new SigningKeyException(
          Reason.MALFORMED_PEM, "key " + keyId + ": the " + label + " block is not base64");
    }
  }

  /**
   * Why a PEM without the wanted block is refused: the kind of block it has instead, named by its
   * label only (never its base64), and how to get the kind that is read.
   */
  private static String otherKind(String text, String label, String begin, String end) {
    String what = label.equals("PRIVATE KEY") ? "the private key" : "the public key";
    String found = null;
    Matcher m = PEM_BEGIN.matcher(text);
    // openssl ecparam -genkey writes EC PARAMETERS before the EC PRIVATE KEY: name the key
    while ((found == null || found.equals("EC PARAMETERS")) && m.find()) {
      found = m.group(1);
    }
    if (found == null) {
      return "no " + begin + " ... " + end + " block";
    }
    String toPkcs8 = "convert it with openssl pkcs8 -topk8 -nocrypt -in <file>";
    String hint =
        switch (label + "/" + found) {
          case "PRIVATE KEY/RSA PRIVATE KEY" ->
              " (PKCS#1); only PKCS#8, " + begin + ", is read: " + toPkcs8;
          case "PRIVATE KEY/EC PRIVATE KEY" ->
              " (SEC1); only PKCS#8, " + begin + ", is read: " + toPkcs8;
          case "PRIVATE KEY/ENCRYPTED PRIVATE KEY" ->
              " (encrypted PKCS#8); only an unencrypted "
                  + begin
                  + " is read: decrypt it with openssl pkcs8 -topk8 -nocrypt -in <file>, or keep"
                  + " it in a KeyStore and use fromKeyStore";
          case "PUBLIC KEY/CERTIFICATE" ->
              "; give the certificate's public key, "
                  + begin
                  + " (openssl x509 -pubkey -noout -in <file>), or load the key and certificate"
                  + " with fromKeyStore";
          case "PUBLIC KEY/RSA PUBLIC KEY" ->
              " (PKCS#1); only X.509, "
                  + begin
                  + ", is read: convert it with openssl rsa -RSAPublicKey_in -pubout -in <file>";
          case "PUBLIC KEY/PRIVATE KEY" ->
              "; give the public key, " + begin + " (openssl pkey -pubout -in <file>)";
          default -> "; only " + begin + " ... " + end + " is read";
        };
    return what + " is a -----BEGIN " + found + "----- block" + hint;
  }

  private static boolean isP256(ECParameterSpec params) {
    return params.getCurve().getField().getFieldSize() == 256
        && params
            .getOrder()
            .toString(16)
            .equals("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  }

  private static void checkPair(
      String keyId, SigningAlgorithm algorithm, PrivateKey privateKey, PublicKey publicKey) {
    String jca = algorithm == SigningAlgorithm.RS256 ? "SHA256withRSA" : "SHA256withECDSA";
    boolean pair;
    try {
      Signature s = Signature.getInstance(jca);
      s.initSign(privateKey);
      s.update(PAIR_CHECK);
      byte[] signature = s.sign();
      Signature v = Signature.getInstance(jca);
      v.initVerify(publicKey);
      v.update(PAIR_CHECK);
      pair = v.verify(signature);
    } catch (GeneralSecurityException e) {
      throw new SigningKeyException(
          Reason.WRONG_KEY_TYPE, "key " + keyId + ": cannot sign with " + algorithm, e);
    }
    if (!pair) {
      throw new SigningKeyException(
          Reason.MISMATCHED_PAIR, "key " + keyId + ": the public key is not the private key's");
    }
  }

  /**
   * Returns the key id ({@code kid}).
   *
   * @return the key id
   */
  public String keyId() {
    return keyId;
  }

  /**
   * Returns the algorithm.
   *
   * @return the algorithm
   */
  public SigningAlgorithm algorithm() {
    return algorithm;
  }

  /**
   * Returns the private key, for signing. Never log it.
   *
   * @return the private key
   */
  public PrivateKey privateKey() {
    return privateKey;
  }

  /**
   * Returns the public key, as published.
   *
   * @return the public key
   */
  public PublicKey publicKey() {
    return publicKey;
  }

  @Override
  public String toString() {
    return "SigningKey[kid=" + keyId + ", alg=" + algorithm + ", privateKey=redacted]";
  }
}
