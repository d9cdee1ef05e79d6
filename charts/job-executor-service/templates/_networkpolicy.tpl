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
{{- $gw := "networkPolicy.egress.controlPlaneGateway" -}}
{{- $peer := dict "pods" .podLabels "namespaces" (ternary .namespaceLabels "*" (not (empty .namespaceLabels)))
    "valuePaths" (dict "pods" (printf "%s.podLabels" $gw) "namespaces" (printf "%s.namespaceLabels" $gw)) -}}
{{- $rules = append $rules (dict "name" "keptn-api-gateway" "to" (list $peer) "ports" .ports "where" $gw) -}}
{{- end -}}
{{- end -}}

{{- if $api.hostname -}}
{{- $rules = append $rules (include "job-executor-service.netpol.remoteRule" (dict
    "name" "keptn-remote-control-plane"
    "url" (include "job-executor-service.remoteURL" $api)
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
{{- $rule := dict "name" .name "where" (trimSuffix ".cidrs" .explicitValue) -}}
{{- if $cidrs -}}
{{- $_ := set $rule "to" (list (dict "cidrs" $cidrs "where" (trimSuffix ".cidrs" .explicitValue))) -}}
{{- $_ := set $rule "ports" ($ports | default (list (int $target.port))) -}}
{{- else -}}
{{- $_ := set $rule "to" (list (dict "urls" (list .url) "where" .urlValue "explicitValue" .explicitValue)) -}}
{{- if $ports -}}{{- $_ := set $rule "ports" $ports -}}{{- end -}}
{{- end -}}
{{- toJson $rule -}}
{{- end }}

{{/*
The remote control plane's URL from protocol and hostname. The hostname is a host
with an optional :port; an IPv6 address without brackets carries no port, so it is
bracketed here (its last group is never read as a port).
*/}}
{{- define "job-executor-service.remoteURL" -}}
{{- $host := trim (toString .hostname) -}}
{{- if eq (trimAll "[]" $host) "" -}}
{{- fail "remoteControlPlane.api.hostname: the host name is empty; give a host name or address, or leave hostname empty when Keptn runs in this cluster" -}}
{{- end -}}
{{- if or (contains "://" $host) (contains "/" $host) -}}
{{- fail (printf "remoteControlPlane.api.hostname: %q is not a host name; give the host and an optional :port only (e.g. keptn.example.com or keptn.example.com:8443); the scheme is remoteControlPlane.api.protocol" $host) -}}
{{- end -}}
{{- if and (not (hasPrefix "[" $host)) (gt (len (splitList ":" $host)) 2) -}}
{{- $host = printf "[%s]" $host -}}
{{- end -}}
{{- printf "%s://%s" (toString .protocol) $host -}}
{{- end }}

{{/* A user's extra rule, tagged with its value path so messages name it. */}}
{{- define "job-executor-service.netpol.extraRule" -}}
{{- if not (kindIs "map" .rule) -}}
{{- fail (printf "%s: %v is not a rule; write {ports: [...], to: [...]} (from: in ingress rules)" .where .rule) -}}
{{- end -}}
{{- toJson (merge (dict "where" .where) .rule) -}}
{{- end }}
