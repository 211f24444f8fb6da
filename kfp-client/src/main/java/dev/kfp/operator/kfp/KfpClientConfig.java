package dev.kfp.operator.kfp;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How {@link HttpKfpClient} reaches KFP: base URL (with an optional path prefix), timeouts, TLS trust,
 * credentials, and the {@link KfpCallListener}s around every call. Build it with {@link #builder(String)};
 * {@link Builder#build()} checks every setting.
 *
 * @param baseUrl where the API is served; {@code /apis/v2beta1/...} is appended to its path
 * @param caBundle PEM file with the CA certificates to trust, or null for the system's CAs only
 * @param trustSystemCas whether the system's CAs are trusted as well (default: only when there is no bundle)
 * @param bearerToken supplies the token for {@code Authorization: Bearer}, asked on every call; null for none
 * @param userIdHeader name of the user-identity header (e.g. {@code kubeflow-userid}); null for none
 * @param userIdValue value of the user-identity header
 * @param listeners hear every call, in this order before it and in the reverse order after it
 */
public record KfpClientConfig(
    URI baseUrl,
    Duration connectTimeout,
    Duration readTimeout,
    Path caBundle,
    boolean trustSystemCas,
    Supplier<String> bearerToken,
    String userIdHeader,
    String userIdValue,
    List<KfpCallListener> listeners) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

  public KfpClientConfig {
    Objects.requireNonNull(baseUrl, "baseUrl");
    if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
      throw new IllegalArgumentException("KFP base URL must be http or https: " + baseUrl);
    }
    if (baseUrl.getHost() == null || baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
      throw new IllegalArgumentException("KFP base URL needs a host and no query or fragment: " + baseUrl);
    }
    requirePositive(connectTimeout, "connect timeout");
    requirePositive(readTimeout, "read timeout");
    if (caBundle == null && !trustSystemCas) {
      throw new IllegalArgumentException("TLS would trust no CA: give a CA bundle or trust the system's CAs");
    }
    if ((userIdHeader == null) != (userIdValue == null)) {
      throw new IllegalArgumentException("the user-identity header needs both a name and a value");
    }
    listeners = listeners == null ? List.of() : List.copyOf(listeners);
  }

  private static void requirePositive(Duration value, String what) {
    if (value == null || value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException("KFP " + what + " must be positive: " + value);
    }
  }

  /** These settings with another token supplier, as each namespace's client of one operator has. */
  public KfpClientConfig withBearerToken(Supplier<String> token) {
    return new KfpClientConfig(baseUrl, connectTimeout, readTimeout, caBundle, trustSystemCas, token, userIdHeader,
        userIdValue, listeners);
  }

  public static Builder builder(String baseUrl) {
    return new Builder(baseUrl);
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "KfpClientConfig[baseUrl=" + baseUrl + ", connectTimeout=" + connectTimeout + ", readTimeout="
        + readTimeout + ", caBundle=" + caBundle + ", trustSystemCas=" + trustSystemCas + ", bearerToken="
        + (bearerToken == null ? "none" : "set") + ", userIdHeader=" + userIdHeader + "]";
  }

  /** Collects the settings; only the base URL is required. */
  public static final class Builder {
    private final String baseUrl;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private Path caBundle;
    private Boolean trustSystemCas;
    private Supplier<String> bearerToken;
    private String userIdHeader;
    private String userIdValue;
    private final List<KfpCallListener> listeners = new ArrayList<>();

    private Builder(String baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    }

    public Builder connectTimeout(Duration value) {
      this.connectTimeout = value;
      return this;
    }

    public Builder readTimeout(Duration value) {
      this.readTimeout = value;
      return this;
    }

    /** Trust the CA certificates of this PEM file (one or more); alone, unless {@link #trustSystemCas}. */
    public Builder caBundle(Path pemFile) {
      this.caBundle = pemFile;
      return this;
    }

    public Builder trustSystemCas(boolean value) {
      this.trustSystemCas = value;
      return this;
    }

    /** A token asked for on every call, e.g. a {@link TokenFileSupplier}. */
    public Builder bearerToken(Supplier<String> value) {
      this.bearerToken = value;
      return this;
    }

    /** A fixed token. */
    public Builder bearerToken(String token) {
      Objects.requireNonNull(token, "token");
      return bearerToken(new StaticToken(token));
    }

    /** A token file re-read whenever it changes (a projected service-account token). */
    public Builder bearerTokenFile(Path file) {
      return bearerToken(new TokenFileSupplier(file));
    }

    public Builder userIdHeader(String name, String value) {
      this.userIdHeader = name;
      this.userIdValue = value;
      return this;
    }

    /**
     * Adds a listener to every call. A listener added earlier hears a call before and after the ones added later,
     * so it hears the calls those hold back too.
     */
    public Builder listener(KfpCallListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public KfpClientConfig build() {
      URI uri;
      try {
        uri = URI.create(baseUrl.strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("KFP base URL is not a URL: " + baseUrl, e);
      }
      return new KfpClientConfig(uri, connectTimeout, readTimeout, caBundle,
          trustSystemCas != null ? trustSystemCas : caBundle == null, bearerToken, userIdHeader, userIdValue,
          listeners);
    }
  }

  private record StaticToken(String token) implements Supplier<String> {
    @Override
    public String get() {
      return token;
    }

    @Override
    public String toString() {
      return "static token";
    }
  }
}
