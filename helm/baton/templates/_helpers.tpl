{{/*
The chart name, or nameOverride.
*/}}
{{- define "baton.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every resource name (at most 63 characters, a DNS label):
fullnameOverride, else the release name, followed by "-<name>" unless the release
name already contains it.
*/}}
{{- define "baton.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
"name-version" for the helm.sh/chart label.
*/}}
{{- define "baton.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every resource.
*/}}
{{- define "baton.labels" -}}
helm.sh/chart: {{ include "baton.chart" . }}
{{ include "baton.selectorLabels" . }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: baton
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels that select the operator pods (immutable once installed).
*/}}
{{- define "baton.selectorLabels" -}}
app.kubernetes.io/name: {{ include "baton.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The ServiceAccount the operator runs as.
*/}}
{{- define "baton.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "baton.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The operator image, repository:tag (tag defaults to the chart's appVersion).
*/}}
{{- define "baton.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}

{{/*
The name of the leader-election Lease.
*/}}
{{- define "baton.leaseName" -}}
{{- default (include "baton.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{/*
The watched namespaces, de-duplicated, in the order given (empty list = all).
*/}}
{{- define "baton.watchNamespaces" -}}
{{- $out := list }}
{{- range (.Values.watchNamespaces | default list) }}
{{- $ns := . | toString | trim }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$" $ns) }}
{{- fail (printf "watchNamespaces: %q is not a valid namespace name" $ns) }}
{{- end }}
{{- if not (has $ns $out) }}
{{- $out = append $out $ns }}
{{- end }}
{{- end }}
{{- join "," $out }}
{{- end }}

{{/*
The permissions the operator needs on the resources it works with, for the
ClusterRole (all namespaces) or for the Role in each watched namespace. Keep in
step with what the operator does in the API, and grant nothing more:
- reads Workflows and WorkflowInstances and writes their status;
- creates the child WorkflowInstances of subworkflow steps, and sets spec.stop on
  WorkflowInstances by patch (stopping a child; a LastOnly run strategy stopping older runs);
- deletes the Jobs and child instances of loop iterations a restart runs again;
- owns its Jobs through an ownerReference with blockOwnerDeletion=true, which needs
  update on workflowinstances/finalizers;
- creates and deletes step Jobs and watches them and their pods;
- records Events on the custom resources.
*/}}
{{- define "baton.rules" -}}
- apiGroups: ["baton.dev"]
  resources: ["workflows", "workflowinstances"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["baton.dev"]
  resources: ["workflowinstances"]
  verbs: ["create", "patch", "delete"]
- apiGroups: ["baton.dev"]
  resources: ["workflows/status", "workflowinstances/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["baton.dev"]
  resources: ["workflowinstances/finalizers"]
  verbs: ["update"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/*
A map of labels or annotations with every value turned into a string, so that
e.g. `--set podAnnotations.foo=true` still renders a valid annotation.
*/}}
{{- define "baton.stringMap" -}}
{{- $out := dict }}
{{- range $k, $v := . }}
{{- $_ := set $out $k (toString $v) }}
{{- end }}
{{- toYaml $out }}
{{- end }}
