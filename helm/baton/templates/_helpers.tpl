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
ClusterRole (all namespaces) or for the Role in each watched namespace: exactly the
verbs of the API calls in operator/src/main (and JOSDK's informers), nothing more.
e2e/run.sh compares what the ServiceAccount may do with e2e/operator-permissions.txt.
- workflows, workflowinstances: get, list, watch (informers; reads by name);
- workflowinstances: create (subworkflow children), patch (spec.stop of a child, or of
  older runs under LastOnly), delete (the child of a loop iteration a restart runs again);
- workflows/status: update; workflowinstances/status: update, and patch (editStatus
  of the Unblocked condition, which first reads the instance itself, not /status);
- workflowinstances/finalizers: update: Jobs and children are owned with
  blockOwnerDeletion=true, which the OwnerReferencesPermissionEnforcement admission
  plugin allows only to who may update the owner's finalizers;
- jobs: create, get (an AlreadyExists launch), list, watch, delete (a skipped step, a
  rerun iteration), deletecollection (by label, the Jobs of a rerun child instance);
- pods: list, watch, delete (the pods of a rerun iteration, which outlive their Job's
  background deletion), deletecollection (by label, those of a rerun child instance);
- events: create (Fabric8's create; they are never patched);
- signals: get, list, watch (the informers that release signal steps and start signal
  triggers' runs; an AlreadyExists on an output signal is read back), create (output
  signals), delete (signal retention); signals/status: update (the runs a signal started).
*/}}
{{- define "baton.rules" -}}
- apiGroups: ["baton.dev"]
  resources: ["workflows", "workflowinstances"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["baton.dev"]
  resources: ["workflowinstances"]
  verbs: ["create", "patch", "delete"]
- apiGroups: ["baton.dev"]
  resources: ["workflows/status"]
  verbs: ["update"]
- apiGroups: ["baton.dev"]
  resources: ["workflowinstances/status"]
  verbs: ["update", "patch"]
- apiGroups: ["baton.dev"]
  resources: ["workflowinstances/finalizers"]
  verbs: ["update"]
- apiGroups: ["baton.dev"]
  resources: ["signals"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: ["baton.dev"]
  resources: ["signals/status"]
  verbs: ["update"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete", "deletecollection"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch", "delete", "deletecollection"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
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
