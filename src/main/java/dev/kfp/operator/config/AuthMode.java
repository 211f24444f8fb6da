package dev.kfp.operator.config;

/** How the operator authenticates its calls to KFP. */
public enum AuthMode {
  /** Standalone KFP without authentication. */
  NONE,
  /** A bearer token read from a file, re-read when the file changes. */
  TOKEN;

  public String externalName() {
    return name().toLowerCase();
  }
}
