{{/* Rendered rules in words, for NOTES.txt (internal). */}}

{{/*
netpol._text.ports: "53/UDP, 53/TCP, 8000-8100/TCP".
Params:
  - . - List - Required. Rendered ports ({port, protocol, endPort?}).
Output: text
*/}}
{{- define "netpol._text.ports" -}}
  {{- $parts := list -}}
  {{- range $p := . -}}
    {{- $end := ternary (printf "-%v" $p.endPort) "" (hasKey $p "endPort") -}}
    {{- $parts = append $parts (printf "%v%s/%s" $p.port $end $p.protocol) -}}
  {{- end -}}
  {{- join ", " $parts -}}
{{- end -}}

{{/*
netpol._text.rule: "to kube-system/{k8s-app=kube-dns} on 53/UDP, 53/TCP".
Params:
  - rule - Map - Required. A rendered NetworkPolicy rule ({to|from, ports}).
  - direction - String - Required. "ingress" or "egress".
Output: text
*/}}
{{- define "netpol._text.rule" -}}
  {{- $peers := get .rule (ternary "from" "to" (eq .direction "ingress")) -}}
  {{- $parts := list -}}
  {{- range $peer := ($peers | default list) -}}
    {{- $parts = append $parts (include "netpol._text.peer" $peer) -}}
  {{- end -}}
  {{- $who := ternary (join " | " $parts) "every peer" (gt (len $parts) 0) -}}
  {{- $ports := ternary (include "netpol._text.ports" .rule.ports) "every port" (hasKey .rule "ports") -}}
  {{- printf "%s %s on %s" (ternary "from" "to" (eq .direction "ingress")) $who $ports -}}
{{- end -}}

{{/*
netpol._text.peer: "10.0.0.0/8 except 10.1.0.0/16" or "pods {app=web} in same namespace".
Params:
  - . - Map - Required. A rendered NetworkPolicy peer.
Output: text
*/}}
{{- define "netpol._text.peer" -}}
  {{- if hasKey . "ipBlock" -}}
    {{- $excepts := join ", " (.ipBlock.except | default list) -}}
    {{- $except := ternary (printf " except %s" $excepts) "" (hasKey .ipBlock "except") -}}
    {{- printf "%s%s" .ipBlock.cidr $except -}}
  {{- else -}}
    {{- $ns := "same namespace" -}}
    {{- if hasKey . "namespaceSelector" -}}
      {{- $ns = printf "namespaces %s" (include "netpol._text.selector" .namespaceSelector) -}}
    {{- end -}}
    {{- $pods := "all pods" -}}
    {{- if hasKey . "podSelector" -}}
      {{- $pods = printf "pods %s" (include "netpol._text.selector" .podSelector) -}}
    {{- end -}}
    {{- printf "%s in %s" $pods $ns -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._text.selector: "{app=web, tier In (a,b)}", or "{any}" for the empty selector.
Params:
  - . - Map - Required. A rendered label selector.
Output: text
*/}}
{{- define "netpol._text.selector" -}}
  {{- $terms := list -}}
  {{- range $k, $v := (.matchLabels | default dict) -}}
    {{- $terms = append $terms (printf "%s=%s" $k $v) -}}
  {{- end -}}
  {{- range $e := (.matchExpressions | default list) -}}
    {{- $terms = append $terms (printf "%s %s (%s)" $e.key $e.operator (join "," ($e.values | default list))) -}}
  {{- end -}}
  {{- ternary (printf "{%s}" (join ", " $terms)) "{any}" (gt (len $terms) 0) -}}
{{- end -}}
