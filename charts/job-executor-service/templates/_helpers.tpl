{{/*
job-executor-service.name: the chart name, truncated to the 63 characters a label allows.
It names objects and is the app.kubernetes.io/name label, so nameOverride must be a DNS label.
Params:
  - . - Context - Required. The chart's root context.
Output: the name
*/}}
{{- define "job-executor-service.name" -}}
  {{- $name := default .Chart.Name .Values.nameOverride | toString | trunc 63 | trimSuffix "-" }}
  {{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $name) }}
    {{- $msg := print "nameOverride: %q is not a valid name; "
        "use lowercase letters, digits and '-', starting and ending with a letter or digit" }}
    {{- fail (printf $msg (toString .Values.nameOverride)) }}
  {{- end }}
  {{- $name }}
{{- end }}

{{/*
job-executor-service.fullname: the full name. Truncated to 54 so suffixes like "-egress"
still fit a 63-character name; contains the release name so two releases in one namespace
never collide.
Params:
  - . - Context - Required. The chart's root context.
Output: the name
*/}}
{{- define "job-executor-service.fullname" -}}
  {{- if .Values.fullnameOverride }}
    {{- $name := .Values.fullnameOverride | toString | trunc 54 | trimSuffix "-" }}
    {{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $name) }}
      {{- $msg := print "fullnameOverride: %q is not a valid object name; "
          "use lowercase letters, digits and '-', starting and ending with a letter or digit" }}
      {{- fail (printf $msg (toString .Values.fullnameOverride)) }}
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

{{/*
job-executor-service.chart: chart name and version, for the helm.sh/chart label.
Params:
  - . - Context - Required. The chart's root context.
Output: NAME-VERSION
*/}}
{{- define "job-executor-service.chart" -}}
  {{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
job-executor-service.image: the container image; the tag defaults to the chart's appVersion.
Params:
  - . - Context - Required. The chart's root context.
Output: REPOSITORY:TAG
*/}}
{{- define "job-executor-service.image" -}}
  {{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/*
job-executor-service.labels: labels on every object. Values are quoted: "true" or "1e3"
must stay strings.
Params:
  - . - Context - Required. The chart's root context.
Output: YAML map
*/}}
{{- define "job-executor-service.labels" -}}
  {{- $version := .Values.image.tag | default .Chart.AppVersion | toString | trunc 63 | trimAll "-_." -}}
helm.sh/chart: {{ include "job-executor-service.chart" . | quote }}
{{ include "job-executor-service.selectorLabels" . }}
app.kubernetes.io/version: {{ $version | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/part-of: keptn
{{- end }}

{{/*
job-executor-service.selectorLabels: the Deployment's selector; the policies select
exactly these labels.
Params:
  - . - Context - Required. The chart's root context.
Output: YAML map
*/}}
{{- define "job-executor-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "job-executor-service.name" . | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end }}

{{/*
job-executor-service.podLabels: the pod's labels: the chart's, then podLabels, which may
not redefine a chart label (the Deployment's selector and the policies select on them).
Params:
  - . - Context - Required. The chart's root context.
Output: YAML map
*/}}
{{- define "job-executor-service.podLabels" -}}
  {{- $chart := include "job-executor-service.labels" . | fromYaml }}
  {{- range $key, $_ := .Values.podLabels }}
    {{- if hasKey $chart $key }}
      {{- $msg := print "podLabels.%s: the chart sets this label itself (the Deployment and its NetworkPolicies "
          "select on the chart's labels); remove it from podLabels" }}
      {{- fail (printf $msg $key) }}
    {{- end }}
  {{- end }}
  {{- toYaml (merge (dict) $chart (.Values.podLabels | default dict)) }}
{{- end }}

{{/*
job-executor-service.serviceAccountName: serviceAccount.name, else the full name when the
chart creates the account, else "default".
Params:
  - . - Context - Required. The chart's root context.
Output: the name
*/}}
{{- define "job-executor-service.serviceAccountName" -}}
  {{- $name := ternary (include "job-executor-service.fullname" .) "default"
      (eq (toString .Values.serviceAccount.create) "true") }}
  {{- $name = default $name .Values.serviceAccount.name | toString }}
  {{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" $name) }}
    {{- $msg := print "serviceAccount.name: %q is not a valid name; "
        "use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit" }}
    {{- fail (printf $msg $name) }}
  {{- end }}
  {{- $name }}
{{- end }}

{{/*
job-executor-service.jobNamespace: the namespace the Jobs run in: jobConfig.namespace,
else the release namespace.
Params:
  - . - Context - Required. The chart's root context.
Output: the namespace
*/}}
{{- define "job-executor-service.jobNamespace" -}}
  {{- $ns := .Values.jobConfig.namespace | default .Release.Namespace | toString }}
  {{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $ns) }}
    {{- $msg := print "jobConfig.namespace: %q is not a valid namespace name; "
        "use lowercase letters, digits and '-', starting and ending with a letter or digit" }}
    {{- fail (printf $msg $ns) }}
  {{- end }}
  {{- $ns }}
{{- end }}

{{/*
job-executor-service.notes.dataplane: what the dataplane switch gives the egress policy, and
which addresses are a snapshot of the install (for NOTES.txt).
Params:
  - ctx - Context - Required. The chart's root context.
  - when - String - Required. "install" or "upgrade".
Output: text
*/}}
{{- define "job-executor-service.notes.dataplane" -}}
  {{- $dataplane := toString .ctx.Values.networkPolicy.dataplane | default "kubernetes" -}}
  {{- if eq $dataplane "cilium" }}
Dataplane cilium: a CiliumNetworkPolicy of the same name adds what an ipBlock cannot say on
Cilium: the API server as the kube-apiserver entity, and the remote control plane and the
OAuth provider by name (toFQDNs), with the DNS rule Cilium needs to see the lookups. Names
stay right when their addresses change. Addresses in the NetworkPolicy (given as cidrs, or
resolved at {{ .when }} time because addressFallback is on) are a snapshot: upgrade again if
they change.
  {{- else }}
Addresses above that were resolved or looked up are a snapshot taken at {{ .when }} time.
If the API server, the remote control plane or the OAuth provider change address, run
helm upgrade again, or pin them with networkPolicy.egress.k8sMasterCIDR,
networkPolicy.egress.remoteControlPlane.cidrs and networkPolicy.egress.oauth.cidrs.
    {{- if eq $dataplane "openshift" }}
Dataplane openshift: DNS goes to OpenShift's DNS pods on 5353 unless networkPolicy.egress.dns.preset says otherwise.
    {{- end }}
  {{- end }}
{{- end }}

{{/*
job-executor-service.scannerWaivers: the Deployment's annotations that waive, with the
reason, the Checkov checks this chart fails on purpose (Checkov's own annotation format,
`checkov.io/skipN: ID=reason`; a reason holds no "=").
Params: the chart's root context.
*/}}
{{- define "job-executor-service.scannerWaivers" -}}
checkov.io/skip1: CKV_K8S_38=the service calls the Kubernetes API (it creates Jobs and reads their logs)
checkov.io/skip2: CKV_K8S_43=the tag is the chart's appVersion; give image.tag a digest to pin one
checkov.io/skip3: CKV_K8S_15=IfNotPresent with a fixed tag; set image.pullPolicy to Always if tags move
checkov.io/skip4: CKV_K8S_11=no CPU limit by default (it throttles); set resources.limits.cpu
checkov.io/skip5: CKV_K8S_8=the service serves no HTTP endpoint a liveness probe could ask
checkov.io/skip6: CKV_K8S_9=the service serves no HTTP endpoint a readiness probe could ask
checkov.io/skip7: CKV_K8S_40=runs as the image's non-root user (runAsNonRoot); set podSecurityContext.runAsUser
{{- end }}
