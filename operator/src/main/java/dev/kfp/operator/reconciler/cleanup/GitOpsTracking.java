package dev.kfp.operator.reconciler.cleanup;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a GitOps tool tracks a Run, by the marks the tools put on what they apply. A tool that tracks a Run
 * creates it again when it disappears while its manifest is still in Git, and the new Run would be a new KFP
 * run, so the operator never deletes a tracked Run by itself. The marks:
 * <ul>
 *   <li>Argo CD, annotation tracking (the default since Argo CD 3.0; also with annotation+label):
 *       the {@code argocd.argoproj.io/tracking-id} annotation;</li>
 *   <li>Argo CD, label tracking (the default before 3.0): the {@code app.kubernetes.io/instance} label. Argo CD can
 *       be set to another label ({@code application.instanceLabelKey}); a Run marked so only is not recognised.
 *       Helm charts set this label too, so a Run from a chart is kept as well: keeping one too many is the safe
 *       mistake;</li>
 *   <li>Flux kustomize-controller: {@code kustomize.toolkit.fluxcd.io/name} (with {@code .../namespace});</li>
 *   <li>Flux helm-controller: {@code helm.toolkit.fluxcd.io/name} (with {@code .../namespace}).</li>
 * </ul>
 * docs/using/argocd.md has the trade-off.
 */
public final class GitOpsTracking {

  public static final String ARGO_CD_TRACKING_ID = "argocd.argoproj.io/tracking-id";
  public static final String ARGO_CD_INSTANCE_LABEL = "app.kubernetes.io/instance";
  public static final String FLUX_KUSTOMIZATION_LABEL = "kustomize.toolkit.fluxcd.io/name";
  public static final String FLUX_HELM_RELEASE_LABEL = "helm.toolkit.fluxcd.io/name";

  private record Mark(String tool, String kind, String key) {}

  private static final List<Mark> MARKS = List.of(
      new Mark("Argo CD", "annotation", ARGO_CD_TRACKING_ID),
      new Mark("Argo CD", "label", ARGO_CD_INSTANCE_LABEL),
      new Mark("Flux", "label", FLUX_KUSTOMIZATION_LABEL),
      new Mark("Flux", "label", FLUX_HELM_RELEASE_LABEL));

  private GitOpsTracking() {}

  /** Who tracks the object and by which mark ({@code Argo CD (annotation argocd.argoproj.io/tracking-id=...)}). */
  public static Optional<String> trackedBy(HasMetadata object) {
    for (Mark mark : MARKS) {
      Map<String, String> marks = mark.kind().equals("annotation") ? object.getMetadata().getAnnotations()
          : object.getMetadata().getLabels();
      String value = marks == null ? null : marks.get(mark.key());
      if (value != null && !value.isEmpty()) {
        return Optional.of(mark.tool() + " (" + mark.kind() + " " + mark.key() + "=" + value + ")");
      }
    }
    return Optional.empty();
  }
}
