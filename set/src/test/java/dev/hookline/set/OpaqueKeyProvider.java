package dev.hookline.set;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.interfaces.ECPrivateKey;
import java.util.List;
import java.util.Map;

/**
 * A JCA provider standing in for an HSM's (a PKCS #11 provider's): its EC private keys are opaque
 * {@link PrivateKey}s, not {@link ECPrivateKey}s, with no encoding, and only this provider signs
 * with them, as only the token can. It signs by handing the wrapped key to the JDK's own ECDSA.
 */
final class OpaqueKeyProvider extends Provider {
  private static final long serialVersionUID = 1L;

  OpaqueKeyProvider() {
    super("HooklineTestOpaqueKeys", "1", "opaque EC keys, as an HSM's");
    putService(
        new Service(
            this,
            "Signature",
            "SHA256withECDSA",
            OpaqueSignature.class.getName(),
            List.of(),
            Map.of()) {
          @Override
          public boolean supportsParameter(Object key) {
            return key instanceof OpaqueEcKey;
          }

          @Override
          public Object newInstance(Object constructorParameter) {
            return new OpaqueSignature();
          }
        });
  }

  /** Wraps an EC private key so that nothing outside this provider can see it is one. */
  static PrivateKey opaque(ECPrivateKey key) {
    return new OpaqueEcKey(key);
  }

  private static final class OpaqueEcKey implements PrivateKey {
    private static final long serialVersionUID = 1L;
    private final transient ECPrivateKey inside;

    OpaqueEcKey(ECPrivateKey inside) {
      this.inside = inside;
    }

    @Override
    public String getAlgorithm() {
      return "EC";
    }

    @Override
    public String getFormat() {
      return null; // as a key that never leaves its token
    }

    @Override
    public byte[] getEncoded() {
      return null;
    }
  }

  private static final class OpaqueSignature extends SignatureSpi {
    private Signature jdk;

    @Override
    protected void engineInitSign(PrivateKey key) throws InvalidKeyException {
      if (!(key instanceof OpaqueEcKey opaque)) {
        throw new InvalidKeyException("only this provider's opaque keys");
      }
      try {
        jdk = Signature.getInstance("SHA256withECDSA", "SunEC");
      } catch (GeneralSecurityException e) {
        throw new InvalidKeyException("this JVM has no SunEC", e);
      }
      jdk.initSign(opaque.inside);
    }

    @Override
    protected void engineInitVerify(PublicKey key) throws InvalidKeyException {
      throw new InvalidKeyException("this provider only signs");
    }

    @Override
    protected void engineUpdate(byte b) throws SignatureException {
      jdk.update(b);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) throws SignatureException {
      jdk.update(b, off, len);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
      return jdk.sign();
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
      throw new SignatureException("this provider only signs");
    }

    @Deprecated
    @Override
    protected void engineSetParameter(String param, Object value) {
      throw new java.security.InvalidParameterException("no parameters");
    }

    @Deprecated
    @Override
    protected Object engineGetParameter(String param) {
      throw new java.security.InvalidParameterException("no parameters");
    }
  }
}
