{{/*
Chart name, truncated to the 63 characters a label allows. It names objects and is
the app.kubernetes.io/name label, so nameOverride must be a DNS label.
*/}}
{{- define "job-executor-service.name" -}}
{{- $name := default .Chart.Name .Values.nameOverride | toString | trunc 63 | trimSuffix "-" }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $name) }}
{{- fail (printf "nameOverride: %q is not a valid name; use lowercase letters, digits and '-', starting and ending with a letter or digit" (toString .Values.nameOverride)) }}
{{- end }}
{{- $name }}
{{- end }}

{{/*
Full name. Truncated to 54 so suffixes like "-egress" still fit a 63-character name;
contains the release name so two releases in one namespace never collide.
*/}}
{{- define "job-executor-service.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- $name := .Values.fullnameOverride | toString | trunc 54 | trimSuffix "-" }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $name) }}
{{- fail (printf "fullnameOverride: %q is not a valid object name; use lowercase letters, digits and '-', starting and ending with a letter or digit" (toString .Values.fullnameOverride)) }}
{{- end }}
{{- $name }}
{{- else }}
{{- $name := include "job-executor-service.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 54 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 54 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "job-executor-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. Values are quoted: "true" or "1e3" must stay strings. */}}
{{- define "job-executor-service.labels" -}}
helm.sh/chart: {{ include "job-executor-service.chart" . | quote }}
{{ include "job-executor-service.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | toString | trunc 63 | trimAll "-_." | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/part-of: keptn
{{- end }}

{{/* The Deployment's selector; the policies select exactly these labels. */}}
{{- define "job-executor-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "job-executor-service.name" . | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end }}

{{/*
The pod's labels: the chart's, then podLabels, which may not redefine a chart label
(the Deployment's selector and the policies select on them).
*/}}
{{- define "job-executor-service.podLabels" -}}
{{- $chart := include "job-executor-service.labels" . | fromYaml }}
{{- range $key, $_ := .Values.podLabels }}
{{- if hasKey $chart $key }}
{{- fail (printf "podLabels.%s: the chart sets this label itself (the Deployment and its NetworkPolicies select on the chart's labels); remove it from podLabels" $key) }}
{{- end }}
{{- end }}
{{- toYaml (merge (dict) $chart (.Values.podLabels | default dict)) }}
{{- end }}

{{- define "job-executor-service.serviceAccountName" -}}
{{- $name := ternary (include "job-executor-service.fullname" .) "default" (eq (toString .Values.serviceAccount.create) "true") }}
{{- $name = default $name .Values.serviceAccount.name | toString }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" $name) }}
{{- fail (printf "serviceAccount.name: %q is not a valid name; use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit" $name) }}
{{- end }}
{{- $name }}
{{- end }}

{{/* The namespace the Jobs run in: jobConfig.namespace, else the release namespace. */}}
{{- define "job-executor-service.jobNamespace" -}}
{{- $ns := .Values.jobConfig.namespace | default .Release.Namespace | toString }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $ns) }}
{{- fail (printf "jobConfig.namespace: %q is not a valid namespace name; use lowercase letters, digits and '-', starting and ending with a letter or digit" $ns) }}
{{- end }}
{{- $ns }}
{{- end }}
