{{/*
The public templates of the library: a policy spec in, a NetworkPolicy (or its summary,
or its parts as data) out. netpol.policy lists the spec; netpol.policy.summary and
netpol.policy.build take the same spec.
*/}}

{{/*
netpol.policy: one NetworkPolicy document, from a policy spec.
  Usage: {{ include "netpol.policy" (dict "ctx" . "name" "web" "podSelector" (dict "app" "web")
                                          "ingress" .Values.rules) }}
Params:
  - ctx - Context - Required. The chart's root context.
  - name - String - Required. metadata.name.
  - labels - Map - Optional. metadata.labels.
  - podSelector - String|Map - Required. A selector in the peer vocabulary ("*" = every pod in the namespace).
  - ingress - List - Optional. The rules; [] or null (the key without rules) denies all ingress;
      absent when the policy does not govern ingress.
  - egress - List - Optional. The same for egress.
  - where - String - Required. The value path used in messages (e.g. "networkPolicy.egress").
  - components - Map - Optional. {NAME: podSelector} for `component` peers.
  - dataplane - String - Optional. kubernetes (the default: the NetworkPolicy only), cilium or
      openshift (see _dataplane.tpl): how peers outside the pod network are said.
  - dataplaneWhere - String - Optional. The value path of the dataplane switch, named in messages.
Output: the NetworkPolicy as YAML; on cilium, when it needs one, a CiliumNetworkPolicy after it
*/}}
{{- define "netpol.policy" -}}
  {{- include "netpol._policy.document" (dict "ctx" .ctx "built" (include "netpol.policy.build" . | fromJson)) -}}
{{- end -}}

{{/*
netpol.policy.summary: what the policy allows, in words, for NOTES.txt, with where looked-up
and resolved addresses came from.
  Usage: {{ include "netpol.policy.summary" $spec }}
Params: the policy spec, as for netpol.policy.
Output: text, one line per rule
*/}}
{{- define "netpol.policy.summary" -}}
  {{- include "netpol._policy.summary" (include "netpol.policy.build" . | fromJson) -}}
{{- end -}}

{{/*
netpol.policy.fromBuild: a policy built once with netpol.policy.build, as the document
("as" "document") or in words ("as" "summary"). A chart that shows a policy in NOTES.txt
builds it once and renders both from that build, so both say the same: a host name
resolves to one of its addresses at random on every call, and lookup asks the API server
each time it runs.
  Usage: {{ include "netpol.policy.fromBuild" (dict "ctx" . "built" $built "as" "document") }}
Params:
  - ctx - Context - Required. The chart's root context.
  - built - Map - Required. What netpol.policy.build returned, after fromJson.
  - as - String - Required. "document" or "summary".
Output: the NetworkPolicy as YAML, or the policy in words
*/}}
{{- define "netpol.policy.fromBuild" -}}
  {{- if not (and (kindIs "map" .built) (hasKey .built "policyTypes") (hasKey .built "podSelector")) -}}
    {{- fail "netpol.policy.fromBuild: \"built\" is not a build; pass what netpol.policy.build returned" -}}
  {{- end -}}
  {{- if eq .as "document" -}}
    {{- include "netpol._policy.document" . -}}
  {{- else if eq .as "summary" -}}
    {{- include "netpol._policy.summary" .built -}}
  {{- else -}}
    {{- fail (printf "netpol.policy.fromBuild: \"as\" is %q; use document or summary" (toString .as)) -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._policy.document: the NetworkPolicy of a build.
Params:
  - ctx - Context - Required. The chart's root context.
  - built - Map - Required. A build (see netpol.policy.build).
Output: the NetworkPolicy as YAML, and the build's CiliumNetworkPolicy after it when it has one
*/}}
{{- define "netpol._policy.document" -}}
  {{- $p := .built -}}
  {{- $spec := dict "podSelector" $p.podSelector "policyTypes" $p.policyTypes -}}
  {{- if hasKey $p "ingress" -}}{{- $_ := set $spec "ingress" $p.ingress -}}{{- end -}}
  {{- if hasKey $p "egress" -}}{{- $_ := set $spec "egress" $p.egress -}}{{- end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $p.name }}
  namespace: {{ .ctx.Release.Namespace }}
  {{- with $p.labels }}
  labels:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- toYaml $spec | nindent 2 }}
  {{- if $p.cilium }}
---
{{ include "netpol._cilium.document" . }}
  {{- end }}
{{- end -}}

{{/*
netpol._policy.summary: a build in words.
Params:
  - . - Map - Required. A build (see netpol.policy.build).
Output: "NetworkPolicy NAME (TYPES):", then each governed direction and its rules
*/}}
{{- define "netpol._policy.summary" -}}
  {{- $p := . -}}
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
  {{- with $p.cilium }}
CiliumNetworkPolicy {{ $p.name }} (adds to the NetworkPolicy on Cilium; isolates nothing by itself):
    {{- range $direction := list "ingress" "egress" }}
      {{- with (get $p.cilium $direction) }}
  {{ $direction }}:
        {{- range $c := . }}
    - {{ with $c.name }}{{ . }}: {{ end }}{{ $c.note }}
        {{- end }}
      {{- end }}
    {{- end }}
  {{- end }}
{{- end -}}

{{/*
netpol.policy.build: the policy's parts as data, for netpol.policy.fromBuild.
  Usage: {{ $built := include "netpol.policy.build" $spec | fromJson }}
Params: the policy spec, as for netpol.policy.
Output: JSON {"name", "labels", "podSelector", "policyTypes", "ingress"?, "egress"?,
              "notes": [{"direction", "text"}], "dataplane", "cilium"? ({DIRECTION: [Cilium rule...]},
              only on cilium and only when there are Cilium rules)}
policyTypes is always written: left out, the API server infers Egress only when egress
rules exist, so an egress deny-all would silently become "no egress policy".
*/}}
{{- define "netpol.policy.build" -}}
  {{- $dpInput := dict "dataplane" .dataplane "where" (.dataplaneWhere | default "dataplane") "ctx" .ctx -}}
  {{- $dataplane := include "netpol._dataplane.name" $dpInput -}}
  {{- $out := dict "name" .name "labels" (.labels | default dict) "notes" list "dataplane" $dataplane -}}
  {{- $cilium := dict -}}
  {{- $selector := dict "value" .podSelector "where" (printf "%s.podSelector" .where) "kind" "pods" "ctx" .ctx -}}
  {{- $_ := set $out "podSelector" (include "netpol._selector" $selector | fromJson) -}}
  {{- $types := list -}}
  {{- range $direction := list "ingress" "egress" -}}
    {{- if hasKey $ $direction -}}
      {{- $input := dict "spec" $ "direction" $direction "dataplane" $dataplane -}}
      {{- $built := include "netpol._policy.direction" $input | fromJson -}}
      {{- $_ := set $out $direction $built.rules -}}
      {{- if $built.cilium -}}{{- $_ := set $cilium $direction $built.cilium -}}{{- end -}}
      {{- $_ := set $out "notes" (concat $out.notes $built.notes) -}}
      {{- $types = append $types (ternary "Ingress" "Egress" (eq $direction "ingress")) -}}
    {{- end -}}
  {{- end -}}
  {{- if not $types -}}
    {{- $msg := print "%s: the policy governs neither ingress nor egress; "
        "give ingress and/or egress rules ([] denies all)" -}}
    {{- fail (printf $msg .where) -}}
  {{- end -}}
  {{- $_ := set $out "policyTypes" $types -}}
  {{- if $cilium -}}{{- $_ := set $out "cilium" $cilium -}}{{- end -}}
  {{- toJson $out -}}
{{- end -}}

{{/*
netpol._policy.direction: one direction's rules -> NetworkPolicy rules and their notes.
The key written without rules (null) governs the direction like []: deny all.
Params:
  - spec - Map - Required. The policy spec (its rules of the direction, where, ctx, components).
  - direction - String - Required. "ingress" or "egress".
  - dataplane - String - Required. kubernetes, cilium or openshift, checked.
Output: JSON {"rules": [NetworkPolicy rules], "notes": [{"direction", "text"}], "cilium": [Cilium rule...]}
On cilium, a direction that allows names (toFQDNs) starts its Cilium rules with its DNS
rules said for Cilium's DNS proxy (netpol._cilium.dnsRules).
*/}}
{{- define "netpol._policy.direction" -}}
  {{- $spec := .spec -}}
  {{- $direction := .direction -}}
  {{- $rulesIn := get $spec $direction | default list -}}
  {{- if not (kindIs "slice" $rulesIn) -}}
    {{- fail (printf "%s.%s: give a list of rules ([] denies all %s)" $spec.where $direction $direction) -}}
  {{- end -}}
  {{- $rendered := list -}}
  {{- $notes := list -}}
  {{- $cilium := list -}}
  {{- $dns := list -}}
  {{- range $i, $rule := $rulesIn -}}
    {{- $rw := printf "%s.%s[%d]" $spec.where $direction $i -}}
    {{- if and (kindIs "map" $rule) (hasKey $rule "where") -}}{{- $rw = toString $rule.where -}}{{- end -}}
    {{- if and (kindIs "map" $rule) $rule.name -}}{{- $rw = printf "%s (%v)" $rw $rule.name -}}{{- end -}}
    {{- $input := dict "rule" $rule "direction" $direction "where" $rw "ctx" $spec.ctx "components" $spec.components
        "dataplane" $.dataplane -}}
    {{- $out := include "netpol._rule" $input | fromJson -}}
    {{- $cilium = concat $cilium ($out.cilium | default list) -}}
    {{- range $r := $out.items -}}
      {{- if $r.dns -}}{{- $dns = append $dns $r -}}{{- end -}}
      {{- $built := include "netpol._policy.rule" (dict "rule" $r "direction" $direction "where" $rw) | fromJson -}}
      {{- $rendered = append $rendered $built.rule -}}
      {{- $notes = append $notes (dict "direction" $direction "text" $built.text) -}}
    {{- end -}}
  {{- end -}}
  {{- $input := dict "rules" $cilium "dns" $dns "where" $spec.where "namespace" $spec.ctx.Release.Namespace -}}
  {{- $cilium = (include "netpol._cilium.rules" $input | fromJson).items -}}
  {{- toJson (dict "rules" $rendered "notes" $notes "cilium" $cilium) -}}
{{- end -}}

{{/*
netpol._policy.rule: one built rule as a NetworkPolicy rule, and in words.
Params:
  - rule - Map - Required. A rule as netpol._rule builds it ({peers, ports, allowAll, name, notes}).
  - direction - String - Required. "ingress" or "egress".
  - where - String - Required. The value path of the rule, named in messages.
Output: JSON {"rule": NetworkPolicy rule, "text": the rule in words}
*/}}
{{- define "netpol._policy.rule" -}}
  {{- $r := .rule -}}
  {{- $npRule := dict -}}
  {{- if not $r.allowAll -}}
    {{- if not $r.peers -}}
      {{- $msg := "%s: internal guard: a rule lost its peers; refusing to render an allow-all rule" -}}
      {{- fail (printf $msg .where) -}}
    {{- end -}}
    {{- $_ := set $npRule (ternary "from" "to" (eq .direction "ingress")) $r.peers -}}
  {{- end -}}
  {{- if $r.ports -}}{{- $_ := set $npRule "ports" $r.ports -}}{{- end -}}
  {{- $text := include "netpol._text.rule" (dict "rule" $npRule "direction" .direction) -}}
  {{- with $r.name -}}{{- $text = printf "%s: %s" . $text -}}{{- end -}}
  {{- with $r.notes -}}{{- $text = printf "%s [%s]" $text (join "; " .) -}}{{- end -}}
  {{- toJson (dict "rule" $npRule "text" $text) -}}
{{- end -}}
