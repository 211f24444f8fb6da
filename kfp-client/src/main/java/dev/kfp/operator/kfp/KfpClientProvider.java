package dev.kfp.operator.kfp;

/**
 * The KFP client to use for calls on behalf of one namespace. With one identity for the whole operator every
 * namespace gets the same client; with a per-namespace identity each namespace gets its own credentials.
 */
@FunctionalInterface
public interface KfpClientProvider {

  KfpClient forNamespace(String namespace);

  /** The same client for every namespace. */
  static KfpClientProvider shared(KfpClient client) {
    return namespace -> client;
  }
}
