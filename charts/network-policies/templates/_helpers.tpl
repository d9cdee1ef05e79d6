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

{{/*
network-policies.dataplane: the dataplane the policies are for: the dataplane value, or
openshift when the deprecated `openshift: true` is set (accepted until 0.2.0).
Params:
  - . - Context - Required. The chart's root context.
Output: the dataplane as written (the library checks it)
*/}}
{{- define "network-policies.dataplane" -}}
  {{- $dataplane := toString (.Values.dataplane | default "kubernetes") -}}
  {{- if eq (toString .Values.openshift) "true" -}}
    {{- if not (has $dataplane (list "kubernetes" "openshift")) -}}
      {{- $msg := "openshift: true (deprecated) means dataplane: openshift, but dataplane is %q; remove openshift" -}}
      {{- fail (printf $msg $dataplane) -}}
    {{- end -}}
    {{- $dataplane = "openshift" -}}
  {{- end -}}
  {{- $dataplane -}}
{{- end }}
