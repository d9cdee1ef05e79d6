{{/*
The service's two policies, as specs for the netpol library and rendered through it.
Specs travel as YAML, without the root context, which cannot: the render helper adds it.
*/}}

{{/*
job-executor-service.netpol.render: one of the service's policies, as a NetworkPolicy or
in words. Each policy is built once per render and kept in the root context, which every
template of the chart shares and values cannot reach: NOTES.txt then names the very
addresses the policy holds (a name with several addresses resolves to one at random each
time), and lookup runs once.
  Usage: {{ include "job-executor-service.netpol.render" (dict "ctx" . "direction" "egress" "as" "document") }}
Params:
  - ctx - Context - Required. The chart's root context; the builds are kept in it, under netpolBuilt.
  - direction - String - Required. "ingress" or "egress": the policy.
  - as - String - Required. "document" (the NetworkPolicy) or "summary" (for NOTES.txt).
Output: the NetworkPolicy as YAML, or the policy in words
*/}}
{{- define "job-executor-service.netpol.render" -}}
  {{- $ctx := .ctx -}}
  {{- if not (hasKey $ctx "netpolBuilt") -}}{{- $_ := set $ctx "netpolBuilt" dict -}}{{- end -}}
  {{- $built := get $ctx "netpolBuilt" -}}
  {{- if not (hasKey $built .direction) -}}
    {{- $spec := include (printf "job-executor-service.netpol.%s" .direction) $ctx | fromYaml -}}
    {{- $_ := set $spec "ctx" $ctx -}}
    {{- $_ := set $built .direction (include "netpol.policy.build" $spec | fromJson) -}}
  {{- end -}}
  {{- include "netpol.policy.fromBuild" (dict "ctx" $ctx "built" (get $built .direction) "as" .as) -}}
{{- end }}

{{/*
job-executor-service.netpol.common: what both policies share: their labels, the pods they
govern and the dataplane they are for (the library says each peer the way it understands).
Params:
  - . - Context - Required. The chart's root context.
Output: JSON {"labels", "podSelector", "dataplane", "dataplaneWhere"}
*/}}
{{- define "job-executor-service.netpol.common" -}}
  {{- toJson (dict
      "labels" (include "job-executor-service.labels" . | fromYaml)
      "podSelector" (include "job-executor-service.selectorLabels" . | fromYaml)
      "dataplane" .Values.networkPolicy.dataplane
      "dataplaneWhere" "networkPolicy.dataplane"
  ) -}}
{{- end }}

{{/*
job-executor-service.netpol.ingress: no rules, so the service accepts no connections;
only extraRules open it.
Params:
  - . - Context - Required. The chart's root context.
Output: the policy spec as YAML (without ctx)
*/}}
{{- define "job-executor-service.netpol.ingress" -}}
  {{- $c := include "job-executor-service.netpol.common" . | fromJson -}}
  {{- $_ := set $c "name" (printf "%s-ingress" (include "job-executor-service.fullname" .)) -}}
  {{- $_ := set $c "where" "networkPolicy.ingress" -}}
  {{- $extra := dict "rules" .Values.networkPolicy.ingress.extraRules "where" "networkPolicy.ingress.extraRules" -}}
  {{- $_ := set $c "ingress" (include "job-executor-service.netpol.extraRules" $extra | fromJson).items -}}
  {{- toYaml $c -}}
{{- end }}

{{/*
job-executor-service.netpol.egress: DNS, the API server, the in-cluster Keptn gateway,
the remote control plane, the OAuth provider, and extraRules. Nothing else.
Params:
  - . - Context - Required. The chart's root context.
Output: the policy spec as YAML (without ctx)
*/}}
{{- define "job-executor-service.netpol.egress" -}}
  {{- $v := .Values.networkPolicy.egress -}}
  {{- $c := include "job-executor-service.netpol.common" . | fromJson -}}
  {{- $_ := set $c "name" (printf "%s-egress" (include "job-executor-service.fullname" .)) -}}
  {{- $_ := set $c "where" "networkPolicy.egress" -}}
  {{- $rules := list (dict "name" "dns" "to" (list (dict "dns" $v.dns "where" "networkPolicy.egress.dns"))) -}}
  {{- $apiServer := dict "cidrs" $v.k8sMasterCIDR "ports" $v.k8sMasterPort "onNotFound" $v.apiServerNotFound -}}
  {{- $paths := dict "cidrs" "networkPolicy.egress.k8sMasterCIDR" "ports" "networkPolicy.egress.k8sMasterPort"
      "onNotFound" "networkPolicy.egress.apiServerNotFound" -}}
  {{- $peer := dict "apiServer" $apiServer "where" "networkPolicy.egress" "valuePaths" $paths -}}
  {{- $rules = append $rules (dict "name" "kubernetes-api" "to" (list $peer)) -}}
  {{- with $v.controlPlaneGateway -}}
    {{- if .enabled -}}
      {{- $rules = append $rules (include "job-executor-service.netpol.gatewayRule" . | fromJson) -}}
    {{- end -}}
  {{- end -}}
  {{- $rules = concat $rules (include "job-executor-service.netpol.remoteRules" . | fromJson).items -}}
  {{- $extra := dict "rules" $v.extraRules "where" "networkPolicy.egress.extraRules" -}}
  {{- $rules = concat $rules (include "job-executor-service.netpol.extraRules" $extra | fromJson).items -}}
  {{- $_ := set $c "egress" $rules -}}
  {{- toYaml $c -}}
{{- end }}

{{/*
job-executor-service.netpol.gatewayRule: the in-cluster Keptn API gateway: its pods, in
namespaces with namespaceLabels (any when empty).
Params:
  - podLabels - Map - Required. The gateway pods' labels.
  - namespaceLabels - Map - Optional. Labels of the gateway's namespace; empty means any namespace.
  - ports - List - Optional. The gateway's ports.
Output: JSON rule
*/}}
{{- define "job-executor-service.netpol.gatewayRule" -}}
  {{- $gw := "networkPolicy.egress.controlPlaneGateway" -}}
  {{- $peer := dict "pods" .podLabels "namespaces" (ternary .namespaceLabels "*" (not (empty .namespaceLabels)))
      "valuePaths" (dict "pods" (printf "%s.podLabels" $gw) "namespaces" (printf "%s.namespaceLabels" $gw)) -}}
  {{- toJson (dict "name" "keptn-api-gateway" "to" (list $peer) "ports" .ports "where" $gw) -}}
{{- end }}

{{/*
job-executor-service.netpol.remoteRules: the remote control plane and the OAuth provider:
urls peers, whose explicit cidrs win over resolving the URL's host (GitOps tools cannot
resolve names) and whose rule ports win over the URL's port.
Params:
  - . - Context - Required. The chart's root context.
Output: JSON {"items": [rule...]}
*/}}
{{- define "job-executor-service.netpol.remoteRules" -}}
  {{- $api := .Values.remoteControlPlane.api -}}
  {{- $v := .Values.networkPolicy.egress -}}
  {{- $rules := list -}}
  {{- if $api.hostname -}}
    {{- $url := include "job-executor-service.remoteURL" $api -}}
    {{- $peer := dict "urls" (list $url) "cidrs" $v.remoteControlPlane.cidrs "where" "remoteControlPlane.api.hostname"
        "valuePaths" (dict "cidrs" "networkPolicy.egress.remoteControlPlane.cidrs") -}}
    {{- with $v.remoteControlPlane.addressFallback -}}{{- $_ := set $peer "addressFallback" . -}}{{- end -}}
    {{- $rules = append $rules (dict "name" "keptn-remote-control-plane" "ports" $v.remoteControlPlane.ports
        "to" (list $peer) "where" "networkPolicy.egress.remoteControlPlane") -}}
  {{- end -}}
  {{- if eq (toString $api.authMode) "oauth" -}}
    {{- if not $api.oauth.clientDiscovery -}}
      {{- fail (print "remoteControlPlane.api.oauth.clientDiscovery: "
          "authMode is oauth but no OAuth discovery URL is set; set remoteControlPlane.api.oauth.clientDiscovery "
          "(e.g. https://sso.example.com/.well-known/openid-configuration) or use authMode: token") -}}
    {{- end -}}
    {{- $peer := dict "urls" (list $api.oauth.clientDiscovery) "cidrs" $v.oauth.cidrs
        "where" "remoteControlPlane.api.oauth.clientDiscovery"
        "valuePaths" (dict "cidrs" "networkPolicy.egress.oauth.cidrs") -}}
    {{- with $v.oauth.addressFallback -}}{{- $_ := set $peer "addressFallback" . -}}{{- end -}}
    {{- $rules = append $rules (dict "name" "oauth-provider" "ports" $v.oauth.ports "to" (list $peer)
        "where" "networkPolicy.egress.oauth") -}}
  {{- end -}}
  {{- toJson (dict "items" $rules) -}}
{{- end }}

{{/*
job-executor-service.remoteURL: the remote control plane's URL from protocol and hostname.
The hostname is a host with an optional :port; an IPv6 address without brackets carries
no port, so it is bracketed here (its last group is never read as a port).
Params:
  - hostname - String - Required. remoteControlPlane.api.hostname.
  - protocol - String - Required. remoteControlPlane.api.protocol (http or https).
Output: PROTOCOL://HOST[:PORT]
*/}}
{{- define "job-executor-service.remoteURL" -}}
  {{- $host := trim (toString .hostname) -}}
  {{- if eq (trimAll "[]" $host) "" -}}
    {{- fail (print "remoteControlPlane.api.hostname: the host name is empty; give a host name or address, "
        "or leave hostname empty when Keptn runs in this cluster") -}}
  {{- end -}}
  {{- if or (contains "://" $host) (contains "/" $host) -}}
    {{- $msg := print "remoteControlPlane.api.hostname: %q is not a host name; "
        "give the host and an optional :port only (e.g. keptn.example.com or keptn.example.com:8443); "
        "the scheme is remoteControlPlane.api.protocol" -}}
    {{- fail (printf $msg $host) -}}
  {{- end -}}
  {{- if and (not (hasPrefix "[" $host)) (gt (len (splitList ":" $host)) 2) -}}
    {{- $host = printf "[%s]" $host -}}
  {{- end -}}
  {{- printf "%s://%s" (toString .protocol) $host -}}
{{- end }}

{{/*
job-executor-service.netpol.extraRules: a user's extra rules, each tagged with its value
path so messages name it.
Params:
  - rules - List - Optional. The rules as written.
  - where - String - Required. The value path of the list.
Output: JSON {"items": [rule...]}
*/}}
{{- define "job-executor-service.netpol.extraRules" -}}
  {{- $rules := list -}}
  {{- range $i, $r := (.rules | default list) -}}
    {{- $where := printf "%s[%d]" $.where $i -}}
    {{- if not (kindIs "map" $r) -}}
      {{- fail (printf "%s: %v is not a rule; write {ports: [...], to: [...]} (from: in ingress rules)" $where $r) -}}
    {{- end -}}
    {{- $rules = append $rules (merge (dict "where" $where) $r) -}}
  {{- end -}}
  {{- toJson (dict "items" $rules) -}}
{{- end }}
