package dev.kfp.operator.reconciler.submit;

/** The Run's spec cannot become a KFP run; the message says what to fix. */
public class InvalidSpecException extends Exception {

  private final boolean mayResolveItself;

  public InvalidSpecException(String message) {
    this(message, false);
  }

  /**
   * @param mayResolveItself true when the problem lies outside the Run (a ConfigMap not created yet), so a
   *     later look may succeed without a spec change
   */
  public InvalidSpecException(String message, boolean mayResolveItself) {
    super(message);
    this.mayResolveItself = mayResolveItself;
  }

  public boolean mayResolveItself() {
    return mayResolveItself;
  }
}
