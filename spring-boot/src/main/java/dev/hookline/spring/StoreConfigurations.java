package dev.hookline.spring;

import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.internal.access.DispatcherAccess;
import dev.hookline.spi.SecretCipher;
import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.InMemoryStore;
import dev.hookline.store.jdbc.PostgresStore;
import java.util.Base64;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.util.ClassUtils;

/**
 * The Store, in the order {@link HooklineAutoConfiguration} imports them: the application's own,
 * else PostgreSQL over the application's DataSource, else in memory. The starter's is lazy: made
 * when something takes it, as the starter's registry does. A WebhookRegistry of the application's
 * own over a Store that is not a bean never takes it, and then no pool, schema migration, key or
 * in-memory warning comes of a Store nothing would use.
 */
final class StoreConfigurations {
  private static final Logger log = LoggerFactory.getLogger(StoreConfigurations.class);

  /** The name of the starter's Store bean, whichever configuration defines it. */
  static final String STARTER_STORE = "hooklineStore";

  private StoreConfigurations() {}

  /** PostgreSQL, when hookline-store-jdbc is on the class path and there is one DataSource. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.hookline.store.jdbc.PostgresStore")
  @ConditionalOnSingleCandidate(DataSource.class)
  @ConditionalOnMissingBean(Store.class)
  static class Jdbc {
    @Bean
    @Lazy
    PostgresStore hooklineStore(
        DataSource dataSource, ObjectProvider<SecretCipher> cipher, HooklineProperties properties) {
      String schema = properties.getStore().getSchema();
      SecretCipher c = cipher.getIfAvailable(() -> cipher(properties.getSecrets()));
      PostgresStore.Builder builder = PostgresStore.builder(dataSource).secretCipher(c);
      try {
        builder.schema(schema);
        return builder.build();
      } catch (IllegalArgumentException e) {
        // The only argument PostgresStore checks: the schema name.
        InvalidConfigurationPropertyValueException named =
            new InvalidConfigurationPropertyValueException(
                "hookline.store.schema", schema, String.valueOf(e.getMessage()));
        named.addSuppressed(e); // it takes no cause: its constructor sets none
        throw named;
      }
    }
  }

  /** In memory, when no other Store is defined: not durable, so it says so once. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingBean(Store.class)
  static class InMemory {
    @Bean
    @Lazy
    InMemoryStore hooklineStore(
        ObjectProvider<DataSource> dataSources, ConfigurableListableBeanFactory beanFactory) {
      boolean postgres =
          ClassUtils.isPresent(
              "dev.hookline.store.jdbc.PostgresStore", beanFactory.getBeanClassLoader());
      if (postgres && dataSources.stream().findAny().isPresent()) {
        // Several DataSources, none primary: falling back to memory would lose every webhook and
        // queued delivery at the next restart, silently.
        throw new IllegalStateException(
            "Hookline found hookline-store-jdbc and several DataSource beans, none of them"
                + " @Primary: mark the one for Hookline @Primary, or define a Store bean"
                + " (PostgresStore.builder(theDataSource)...build())");
      }
      log.warn(
          "Hookline uses an in-memory store: webhooks and queued deliveries are lost when the"
              + " application stops. Add hookline-store-jdbc and a DataSource, or define a Store"
              + " bean, for a durable one");
      return new InMemoryStore();
    }
  }

  /**
   * The Store Hookline uses: the one the dispatcher delivers from (its registry's, a bean or not),
   * when there is one dispatcher; otherwise the one Store bean if it is in use (the application's
   * own, or the starter's once something took it), or null if the starter's was never made. The
   * dispatchers are made first: one made now takes its registry, which takes the starter's Store if
   * it uses it. For the health indicator and the admin store, which must look at the Store that
   * webhooks are in, without making one that nothing else uses.
   */
  static @Nullable Store inUse(
      ObjectProvider<Store> stores,
      ObjectProvider<Dispatcher> dispatchers,
      ConfigurableListableBeanFactory beans) {
    dispatchers.forEach(made -> {});
    Dispatcher one = dispatchers.getIfUnique();
    if (one != null) {
      return DispatcherAccess.store(DispatcherAccess.registry(one));
    }
    if (beans.containsBeanDefinition(STARTER_STORE) && !beans.containsSingleton(STARTER_STORE)) {
      return null;
    }
    return stores.getIfUnique();
  }

  /**
   * The cipher the {@code hookline.secrets.*} properties describe. Its errors name the property and
   * never show key material.
   *
   * @throws IllegalStateException if the primary key or its id is not set
   * @throws IllegalArgumentException if a key is not base64, has the wrong length, or its id is
   *     malformed
   */
  static AesGcmSecretCipher cipher(HooklineProperties.Secrets secrets) {
    String keyId = secrets.getPrimaryKeyId();
    String key = secrets.getPrimaryKey();
    if (keyId == null || keyId.isBlank() || key == null || key.isBlank()) {
      boolean noId = keyId == null || keyId.isBlank();
      boolean noKey = key == null || key.isBlank();
      throw new IllegalStateException(
          "Hookline's PostgreSQL store encrypts API keys and signing secrets at rest and needs a"
              + " key: set "
              + (noId && noKey
                  ? "hookline.secrets.primary-key-id and hookline.secrets.primary-key"
                  : noId ? "hookline.secrets.primary-key-id" : "hookline.secrets.primary-key")
              + " (the id: 1 to 64 characters A-Z a-z 0-9 _ -, such as 2026-01; the key: base64 of"
              + " 16, 24 or 32 random bytes, such as the output of `openssl rand -base64 32`),"
              + " or define a SecretCipher bean");
    }
    AesGcmSecretCipher.Builder builder = AesGcmSecretCipher.builder();
    addKey(
        builder,
        "hookline.secrets.primary-key-id",
        keyId,
        "hookline.secrets.primary-key",
        key,
        true);
    for (Map.Entry<String, String> old : secrets.getDecryptionKeys().entrySet()) {
      String property = "hookline.secrets.decryption-keys." + old.getKey();
      addKey(builder, "the key id of " + property, old.getKey(), property, old.getValue(), false);
    }
    return builder.build();
  }

  private static void addKey(
      AesGcmSecretCipher.Builder builder,
      String idProperty,
      String keyId,
      String keyProperty,
      String base64,
      boolean primary) {
    byte[] key = decode(keyProperty, base64);
    if (key.length != 16 && key.length != 24 && key.length != 32) {
      throw new IllegalArgumentException(
          keyProperty
              + " is "
              + key.length
              + " bytes once base64-decoded; AES-GCM needs 16, 24 or 32 bytes (AES-128, -192 or"
              + " -256)");
    }
    try {
      if (primary) {
        builder.primaryKey(keyId, key);
      } else {
        builder.decryptionKey(keyId, key);
      }
    } catch (IllegalArgumentException e) {
      // The length is checked above: what is left is the id (malformed, or given two keys).
      throw new IllegalArgumentException(idProperty + ": " + e.getMessage(), e);
    }
  }

  private static byte[] decode(String property, String base64) {
    try {
      return Base64.getDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      // Not chained: the decoder's message quotes a character of the key.
      throw new IllegalArgumentException(
          property + " is not valid base64 (standard alphabet, with or without padding)");
    }
  }
}
