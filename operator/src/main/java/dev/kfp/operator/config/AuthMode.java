package dev.kfp.operator.config;

/** How the operator authenticates its calls to KFP. */
public enum AuthMode {
  /** Standalone KFP without authentication. */
  NONE,
  /** A bearer token read from a file, re-read when the file changes. */
  TOKEN,
  /** A short-lived token of a service account in each Run's own namespace (TokenRequest). */
  NAMESPACE_IDENTITY;

  /** The name in settings: {@code none}, {@code token}, {@code namespace-identity}. */
  public String externalName() {
    return name().toLowerCase().replace('_', '-');
  }
}
