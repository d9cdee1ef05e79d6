{{/*
network-policies.prefix: the policy name prefix: namePrefix, or the release name.
Params:
  - . - Context - Required. The chart's root context.
Output: the prefix, at most 40 characters
*/}}
{{- define "network-policies.prefix" -}}
  {{- default .Release.Name .Values.namePrefix | trunc 40 | trimSuffix "-" -}}
{{- end }}

{{/*
network-policies.labels: the labels of every policy.
Params:
  - . - Context - Required. The chart's root context.
Output: YAML map
*/}}
{{- define "network-policies.labels" -}}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}
