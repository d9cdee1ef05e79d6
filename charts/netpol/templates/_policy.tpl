{{/*
netpol.policy.build: a policy spec -> the NetworkPolicy's parts, as data.
  input: dict
    "ctx"         $ (the chart's root context)
    "name"        metadata.name
    "labels"      metadata.labels (map)
    "podSelector" selector in the peer vocabulary ("*" = every pod in the namespace)
    "ingress"     list of rules; [] or null (the key without rules) denies all ingress;
                  absent when the policy does not govern ingress
    "egress"      the same for egress
    "where"       value path used in messages (e.g. "networkPolicy.egress")
    "components"  {NAME: podSelector} for `component` peers (optional)
  output: JSON {"name", "podSelector", "policyTypes", "ingress", "egress", "notes"}
policyTypes is always written: left out, the API server infers Egress only when egress
rules exist, so an egress deny-all would silently become "no egress policy".
*/}}
{{- define "netpol.policy.build" -}}
{{- $where := .where -}}
{{- $types := list -}}
{{- $out := dict "name" .name "notes" list -}}
{{- $_ := set $out "podSelector" (include "netpol.selector" (dict "value" .podSelector "where" (printf "%s.podSelector" $where) "kind" "pods" "ctx" .ctx) | fromJson) -}}
{{- range $direction := list "ingress" "egress" -}}
{{- if hasKey $ $direction -}}
{{- /* The key written without rules (null) governs the direction like []: deny all. */ -}}
{{- $rulesIn := get $ $direction | default list -}}
{{- if not (kindIs "slice" $rulesIn) -}}
{{- fail (printf "%s.%s: give a list of rules ([] denies all %s)" $where $direction $direction) -}}
{{- end -}}
{{- $types = append $types (ternary "Ingress" "Egress" (eq $direction "ingress")) -}}
{{- $rendered := list -}}
{{- range $i, $rule := $rulesIn -}}
{{- $rw := printf "%s.%s[%d]" $where $direction $i -}}
{{- if and (kindIs "map" $rule) (hasKey $rule "where") -}}{{- $rw = toString $rule.where -}}{{- end -}}
{{- if and (kindIs "map" $rule) $rule.name -}}{{- $rw = printf "%s (%v)" $rw $rule.name -}}{{- end -}}
{{- $expanded := include "netpol.rule" (dict "rule" $rule "direction" $direction "where" $rw "ctx" $.ctx "components" $.components) | fromJson -}}
{{- range $r := $expanded.items -}}
{{- $npRule := dict -}}
{{- if not $r.allowAll -}}
{{- if not $r.peers -}}
{{- fail (printf "%s: internal guard: a rule lost its peers; refusing to render an allow-all rule" $rw) -}}
{{- end -}}
{{- $_ := set $npRule (ternary "from" "to" (eq $direction "ingress")) $r.peers -}}
{{- end -}}
{{- if $r.ports -}}{{- $_ := set $npRule "ports" $r.ports -}}{{- end -}}
{{- $rendered = append $rendered $npRule -}}
{{- $text := include "netpol.rule.text" (dict "rule" $npRule "direction" $direction) -}}
{{- with $r.name -}}{{- $text = printf "%s: %s" . $text -}}{{- end -}}
{{- with $r.notes -}}{{- $text = printf "%s [%s]" $text (join "; " .) -}}{{- end -}}
{{- $_ := set $out "notes" (concat $out.notes (list (dict "direction" $direction "text" $text))) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $out $direction $rendered -}}
{{- end -}}
{{- end -}}
{{- if not $types -}}
{{- fail (printf "%s: the policy governs neither ingress nor egress; give ingress and/or egress rules ([] denies all)" $where) -}}
{{- end -}}
{{- $_ := set $out "policyTypes" $types -}}
{{- toJson $out -}}
{{- end -}}

{{/*
netpol.networkPolicy: render one NetworkPolicy document from a policy spec
(see netpol.policy.build for the input).
*/}}
{{- define "netpol.networkPolicy" -}}
{{- $p := include "netpol.policy.build" . | fromJson -}}
{{- $spec := dict "podSelector" $p.podSelector "policyTypes" $p.policyTypes -}}
{{- if hasKey $p "ingress" -}}{{- $_ := set $spec "ingress" $p.ingress -}}{{- end -}}
{{- if hasKey $p "egress" -}}{{- $_ := set $spec "egress" $p.egress -}}{{- end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $p.name }}
  namespace: {{ .ctx.Release.Namespace }}
  {{- with .labels }}
  labels:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- toYaml $spec | nindent 2 }}
{{- end -}}

{{/*
netpol.networkPolicy.summary: what a policy allows, in words, for NOTES.txt.
*/}}
{{- define "netpol.networkPolicy.summary" -}}
{{- $p := include "netpol.policy.build" . | fromJson -}}
NetworkPolicy {{ $p.name }} ({{ join ", " $p.policyTypes }}):
{{- range $direction := list "ingress" "egress" }}
{{- if hasKey $p $direction }}
  {{ $direction }}:
  {{- $any := false }}
  {{- range $n := $p.notes }}
  {{- if eq $n.direction $direction }}
  {{- $any = true }}
    - {{ $n.text }}
  {{- end }}
  {{- end }}
  {{- if not $any }}
    - nothing: all {{ $direction }} is denied
  {{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* netpol.rule.text: a rendered rule in words: "to kube-system/{k8s-app=kube-dns} on 53/UDP, 53/TCP". */}}
{{- define "netpol.rule.text" -}}
{{- $peers := get .rule (ternary "from" "to" (eq .direction "ingress")) -}}
{{- $parts := list -}}
{{- range $peer := ($peers | default list) -}}
{{- if hasKey $peer "ipBlock" -}}
{{- $parts = append $parts (printf "%s%s" $peer.ipBlock.cidr (ternary (printf " except %s" (join ", " ($peer.ipBlock.except | default list))) "" (hasKey $peer.ipBlock "except"))) -}}
{{- else -}}
{{- $ns := "same namespace" -}}
{{- if hasKey $peer "namespaceSelector" -}}{{- $ns = printf "namespaces %s" (include "netpol.selector.text" $peer.namespaceSelector) -}}{{- end -}}
{{- $pods := "all pods" -}}
{{- if hasKey $peer "podSelector" -}}{{- $pods = printf "pods %s" (include "netpol.selector.text" $peer.podSelector) -}}{{- end -}}
{{- $parts = append $parts (printf "%s in %s" $pods $ns) -}}
{{- end -}}
{{- end -}}
{{- $who := ternary (join " | " $parts) "every peer" (gt (len $parts) 0) -}}
{{- $ports := ternary (include "netpol.ports.text" .rule.ports) "every port" (hasKey .rule "ports") -}}
{{- printf "%s %s on %s" (ternary "from" "to" (eq .direction "ingress")) $who $ports -}}
{{- end -}}

{{- define "netpol.selector.text" -}}
{{- $terms := list -}}
{{- range $k, $v := (.matchLabels | default dict) -}}{{- $terms = append $terms (printf "%s=%s" $k $v) -}}{{- end -}}
{{- range $e := (.matchExpressions | default list) -}}{{- $terms = append $terms (printf "%s %s (%s)" $e.key $e.operator (join "," ($e.values | default list))) -}}{{- end -}}
{{- ternary (printf "{%s}" (join ", " $terms)) "{any}" (gt (len $terms) 0) -}}
{{- end -}}
