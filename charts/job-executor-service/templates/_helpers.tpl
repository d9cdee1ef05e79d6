{{/* Chart name, truncated to the 63 characters a label allows. */}}
{{- define "job-executor-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name. Truncated to 54 so suffixes like "-egress" still fit a 63-character name;
contains the release name so two releases in one namespace never collide.
*/}}
{{- define "job-executor-service.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 54 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
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

{{/* Labels on every object. */}}
{{- define "job-executor-service.labels" -}}
helm.sh/chart: {{ include "job-executor-service.chart" . }}
{{ include "job-executor-service.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: keptn
{{- end }}

{{/* The Deployment's selector; the policies select exactly these labels. */}}
{{- define "job-executor-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "job-executor-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "job-executor-service.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "job-executor-service.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}
