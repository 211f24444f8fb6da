{{- define "kfp-run-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kfp-run-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "kfp-run-operator.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "kfp-run-operator.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "kfp-run-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kfp-run-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kfp-run-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "kfp-run-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "kfp-run-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kfp-run-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The Kubernetes API use of the operator, exactly: Runs are listed and watched (informer), patched (finalizer)
and their status patched, created by RunSchedules; RunSchedules are listed and watched and their status updated
(a write locked on the resourceVersion); ConfigMaps are read for spec.pipeline.specFrom, PipelineVersions (KFP's
Kubernetes-native mode) for spec.pipeline.versionRef.pipelineVersionObject; Events are created.
RbacTest derives these from the requests the operator makes and fails when they differ;
ChartRbacLeastPrivilegeTest takes each one away on a real API server and shows what fails without it.
*/}}
{{- define "kfp-run-operator.runRules" -}}
- apiGroups: [pipelines.kfp.dev]
  resources: [runs]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [pipelines.kfp.dev]
  resources: [runs/status]
  verbs: [patch]
- apiGroups: [pipelines.kfp.dev]
  resources: [runqueues]
  verbs: [list, watch]
- apiGroups: [pipelines.kfp.dev]
  resources: [runqueues/status]
  verbs: [patch]
- apiGroups: [pipelines.kfp.dev]
  resources: [runschedules]
  verbs: [list, watch]
- apiGroups: [pipelines.kfp.dev]
  resources: [runschedules/status]
  verbs: [update]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]
- apiGroups: [pipelines.kubeflow.org]
  resources: [pipelineversions]
  verbs: [get]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- if eq .Values.operator.kfpAuth "namespace-identity" }}
- apiGroups: [""]
  resources: [serviceaccounts/token]
  resourceNames: [{{ .Values.operator.kfpIdentityServiceAccount }}]
  verbs: [create]
{{- end }}
{{- end }}

{{/*
The operator Deployments, as a JSON list of {name, shard, selector}: one named after the release without shards,
else one per entry of .Values.shards, named <full name>-<shard>. Each one's Lease has the Deployment's name.
*/}}
{{- define "kfp-run-operator.deployments" -}}
{{- $fullname := include "kfp-run-operator.fullname" . }}
{{- $deployments := list }}
{{- range .Values.shards }}
{{- $deployments = append $deployments (dict "name" (printf "%s-%s" $fullname .name | trunc 63 | trimSuffix "-") "shard" .name "selector" .selector) }}
{{- else }}
{{- $deployments = append $deployments (dict "name" $fullname "shard" "" "selector" .Values.operator.shardSelector) }}
{{- end }}
{{- toJson $deployments }}
{{- end }}

{{- define "kfp-run-operator.checks" -}}
{{- if and (eq .Values.operator.kfpAuth "token") (eq .Values.kfpToken.source "secret") (not .Values.kfpToken.secret.name) }}
{{- fail "kfpToken.secret.name is required when operator.kfpAuth=token and kfpToken.source=secret: name the Secret holding the KFP bearer token" }}
{{- end }}
{{- if and .Values.shards .Values.operator.shardSelector }}
{{- fail "operator.shardSelector and shards: with shards, each shard's selector is its own; leave operator.shardSelector empty" }}
{{- end }}
{{- $shardNames := list }}
{{- range .Values.shards }}
{{- if has .name $shardNames }}
{{- fail (printf "shards: the name %s is given twice; every shard needs a name of its own" .name) }}
{{- end }}
{{- $shardNames = append $shardNames .name }}
{{- end }}
{{- if and .Values.kfpCaBundle.configMap.name .Values.kfpCaBundle.secret.name }}
{{- fail "kfpCaBundle: set kfpCaBundle.configMap.name or kfpCaBundle.secret.name, not both" }}
{{- end }}
{{- end }}
