{{/*
The service's two policies as specs for the netpol library (as YAML, without the
root context, which the caller adds: it cannot travel through YAML). Both the
policy templates and NOTES.txt build from these, so NOTES says what is rendered.
*/}}

{{- define "job-executor-service.netpol.common" -}}
{{- toJson (dict
  "labels" (include "job-executor-service.labels" . | fromYaml)
  "podSelector" (include "job-executor-service.selectorLabels" . | fromYaml)
) -}}
{{- end }}

{{- define "job-executor-service.netpol.ingress" -}}
{{- $c := include "job-executor-service.netpol.common" . | fromJson -}}
{{- $_ := set $c "name" (printf "%s-ingress" (include "job-executor-service.fullname" .)) -}}
{{- $_ := set $c "where" "networkPolicy.ingress" -}}
{{- $extra := .Values.networkPolicy.ingress.extraRules | default list -}}
{{- $rules := list -}}
{{- range $i, $r := $extra -}}
{{- $rules = append $rules (include "job-executor-service.netpol.extraRule" (dict "rule" $r "where" (printf "networkPolicy.ingress.extraRules[%d]" $i)) | fromJson) -}}
{{- end -}}
{{- /* No rules: the service accepts no connections; only extraRules open it. */ -}}
{{- $_ := set $c "ingress" $rules -}}
{{- toYaml $c -}}
{{- end }}

{{/*
Egress: DNS, the API server, the in-cluster Keptn gateway, the remote control plane,
the OAuth provider, and extraRules. Nothing else.
*/}}
{{- define "job-executor-service.netpol.egress" -}}
{{- $v := .Values.networkPolicy.egress -}}
{{- $api := .Values.remoteControlPlane.api -}}
{{- $c := include "job-executor-service.netpol.common" . | fromJson -}}
{{- $_ := set $c "name" (printf "%s-egress" (include "job-executor-service.fullname" .)) -}}
{{- $_ := set $c "where" "networkPolicy.egress" -}}
{{- $rules := list -}}

{{- $rules = append $rules (dict "name" "dns" "to" (list (dict "dns" $v.dns "where" "networkPolicy.egress.dns"))) -}}

{{- $apiServer := dict "cidrs" $v.k8sMasterCIDR "ports" $v.k8sMasterPort "onNotFound" $v.apiServerNotFound
    "valuePaths" (dict "cidrs" "networkPolicy.egress.k8sMasterCIDR" "ports" "networkPolicy.egress.k8sMasterPort" "onNotFound" "networkPolicy.egress.apiServerNotFound") -}}
{{- $rules = append $rules (dict "name" "kubernetes-api" "to" (list (dict "apiServer" $apiServer "where" "networkPolicy.egress"))) -}}

{{- with $v.controlPlaneGateway -}}
{{- if .enabled -}}
{{- $peer := dict "pods" .podLabels "namespaces" (ternary .namespaceLabels "*" (not (empty .namespaceLabels))) -}}
{{- $rules = append $rules (dict "name" "keptn-api-gateway" "to" (list $peer) "ports" .ports) -}}
{{- end -}}
{{- end -}}

{{- if $api.hostname -}}
{{- $rules = append $rules (include "job-executor-service.netpol.remoteRule" (dict
    "name" "keptn-remote-control-plane"
    "url" (printf "%s://%s" $api.protocol $api.hostname)
    "urlValue" "remoteControlPlane.api.hostname"
    "explicit" $v.remoteControlPlane
    "explicitValue" "networkPolicy.egress.remoteControlPlane.cidrs") | fromJson) -}}
{{- end -}}

{{- if eq (toString $api.authMode) "oauth" -}}
{{- if not $api.oauth.clientDiscovery -}}
{{- fail "remoteControlPlane.api.oauth.clientDiscovery: authMode is oauth but no OAuth discovery URL is set; set remoteControlPlane.api.oauth.clientDiscovery (e.g. https://sso.example.com/.well-known/openid-configuration) or use authMode: token" -}}
{{- end -}}
{{- $rules = append $rules (include "job-executor-service.netpol.remoteRule" (dict
    "name" "oauth-provider"
    "url" $api.oauth.clientDiscovery
    "urlValue" "remoteControlPlane.api.oauth.clientDiscovery"
    "explicit" $v.oauth
    "explicitValue" "networkPolicy.egress.oauth.cidrs") | fromJson) -}}
{{- end -}}

{{- range $i, $r := ($v.extraRules | default list) -}}
{{- $rules = append $rules (include "job-executor-service.netpol.extraRule" (dict "rule" $r "where" (printf "networkPolicy.egress.extraRules[%d]" $i)) | fromJson) -}}
{{- end -}}
{{- $_ := set $c "egress" $rules -}}
{{- toYaml $c -}}
{{- end }}

{{/*
A rule to a host outside the cluster: the explicit CIDRs when given (GitOps tools
cannot resolve names), else the URL's host resolved at render time. Ports: the
explicit ones, else the URL's port or its scheme's default.
*/}}
{{- define "job-executor-service.netpol.remoteRule" -}}
{{- $target := include "netpol.url.target" (dict "url" .url "where" .urlValue) | fromJson -}}
{{- $cidrs := .explicit.cidrs | default list -}}
{{- $ports := .explicit.ports | default list -}}
{{- $rule := dict "name" .name -}}
{{- if $cidrs -}}
{{- $_ := set $rule "to" (list (dict "cidrs" $cidrs "where" (trimSuffix ".cidrs" .explicitValue))) -}}
{{- $_ := set $rule "ports" ($ports | default (list (int $target.port))) -}}
{{- else -}}
{{- $_ := set $rule "to" (list (dict "urls" (list .url) "where" .urlValue "explicitValue" .explicitValue)) -}}
{{- if $ports -}}{{- $_ := set $rule "ports" $ports -}}{{- end -}}
{{- end -}}
{{- toJson $rule -}}
{{- end }}

{{/* A user's extra rule, tagged with its value path so messages name it. */}}
{{- define "job-executor-service.netpol.extraRule" -}}
{{- if not (kindIs "map" .rule) -}}
{{- fail (printf "%s: %v is not a rule; write {ports: [...], to: [...]} (from: in ingress rules)" .where .rule) -}}
{{- end -}}
{{- toJson (merge (dict "where" .where) .rule) -}}
{{- end }}
