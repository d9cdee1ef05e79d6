{{/*
netpol._rule (internal): one rule of the peer vocabulary -> NetworkPolicy rules.
Params:
  - rule - Map - Required. {name?, description?, ports?, to|from: [peer...], allowAll?, where?}.
  - direction - String - Required. "ingress" or "egress".
  - where - String - Required. The value path of the rule, named in messages.
  - ctx - Context - Required. The chart's root context.
  - components - Map - Optional. {NAME: podSelector} for `component` peers.
  - dataplane - String - Optional. kubernetes (default), cilium or openshift.
Output: JSON {"items": [{"peers": [...], "ports": [...], "allowAll": bool, "notes": [...]}],
              "cilium": [Cilium rules, see netpol._peer]}

Charts may add where: VALUE.PATH to a rule so messages name their own value. Peers that
carry their own ports (dns, apiServer, urls) become rules of their own. A rule only ever
loses its peer list when the user wrote allowAll: true: an empty `to`/`from` in a
NetworkPolicy means "everyone", so producing one by accident opens the pod.
*/}}
{{- define "netpol._rule" -}}
  {{- $rule := .rule -}}
  {{- $where := .where -}}
  {{- $peerKey := ternary "to" "from" (eq .direction "egress") -}}
  {{- include "netpol._rule.keys" . -}}
  {{- $input := dict "ports" $rule.ports "where" (printf "%s.ports" $where) -}}
  {{- $ports := (include "netpol._port.list" $input | fromJson).items -}}
  {{- $peersIn := get $rule $peerKey | default list -}}
  {{- if not (kindIs "slice" $peersIn) -}}
    {{- fail (printf "%s.%s: give a list of peers" $where $peerKey) -}}
  {{- end -}}
  {{- $allowAll := include "netpol._rule.allowAll" . -}}
  {{- $label := ternary (printf "%s " (toString $rule.name)) "" (hasKey $rule "name") -}}
  {{- $items := list -}}
  {{- $cilium := list -}}
  {{- if $allowAll -}}
    {{- if $peersIn -}}
      {{- $msg := "%s: allowAll: true allows every peer; remove %s, or remove allowAll to allow only those peers" -}}
      {{- fail (printf $msg $where $peerKey) -}}
    {{- end -}}
    {{- $on := ternary "" (printf " on %s" (include "netpol._text.ports" $ports)) (not $ports) -}}
    {{- $note := printf "%severy peer%s (allowAll)" $label $on -}}
    {{- $items = list (dict "peers" list "ports" $ports "allowAll" true "notes" (list $note)) -}}
  {{- else -}}
    {{- if not $peersIn -}}
      {{- $msg := print "%s.%s: the rule has no peers, and an empty peer list would allow every peer; "
          "list the peers, or write allowAll: true if every peer is meant" -}}
      {{- fail (printf $msg $where $peerKey) -}}
    {{- end -}}
    {{- $input := dict "peers" $peersIn "where" (printf "%s.%s" $where $peerKey) "direction" .direction
        "ports" $ports "ctx" .ctx "components" .components "dataplane" .dataplane -}}
    {{- $out := include "netpol._rule.peers" $input | fromJson -}}
    {{- $items = $out.items | default list -}}
    {{- $cilium = $out.cilium | default list -}}
  {{- end -}}
  {{- if hasKey $rule "name" -}}
    {{- range $item := concat $items $cilium -}}{{- $_ := set $item "name" (toString $rule.name) -}}{{- end -}}
  {{- end -}}
  {{- toJson (dict "items" $items "cilium" $cilium) -}}
{{- end -}}

{{/*
netpol._rule.keys: the rule is a map of the keys a rule takes, its peers under the
direction's key.
Params:
  - rule - Any - Required. The rule as written.
  - direction - String - Required. "ingress" or "egress".
  - where - String - Required. The value path of the rule, named in messages.
Output: nothing; fails on a rule that is not a map or has a key a rule does not take
*/}}
{{- define "netpol._rule.keys" -}}
  {{- $peerKey := ternary "to" "from" (eq .direction "egress") -}}
  {{- $otherKey := ternary "from" "to" (eq .direction "egress") -}}
  {{- if not (kindIs "map" .rule) -}}
    {{- fail (printf "%s: %v is not a rule; write {ports: [...], %s: [...]}" .where .rule $peerKey) -}}
  {{- end -}}
  {{- range $key, $_ := .rule -}}
    {{- if eq $key $otherKey -}}
      {{- fail (printf "%s: %s rules list their peers under %q, not %q" $.where $.direction $peerKey $otherKey) -}}
    {{- else if not (has $key (list "name" "description" "ports" "allowAll" "where" $peerKey)) -}}
      {{- fail (printf "%s: unknown key %q; a rule takes name, description, ports, %s and allowAll"
          $.where $key $peerKey) -}}
    {{- end -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._rule.allowAll: "true" when the rule says allowAll: true. Only the boolean true
opens a rule: "false" or "no" from --set-string must not.
Params:
  - rule - Map - Required. The rule as written.
  - where - String - Required. The value path of the rule, named in messages.
Output: "true", or nothing
*/}}
{{- define "netpol._rule.allowAll" -}}
  {{- if hasKey .rule "allowAll" -}}
    {{- if not (kindIs "bool" .rule.allowAll) -}}
      {{- fail (printf "%s.allowAll: %v is not true or false; write allowAll: true to allow every peer"
          .where .rule.allowAll) -}}
    {{- end -}}
    {{- if .rule.allowAll -}}true{{- end -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._rule.peers: a rule's peers -> its rules: one for the peers that share the
rule's ports (first), then those of peers that bring their own.
Params:
  - peers - List - Required. The rule's peers as written.
  - where - String - Required. The value path of the peer list, named in messages.
  - direction - String - Required. "ingress" or "egress".
  - ports - List - Optional. The rule's ports, already checked.
  - ctx - Context - Required. The chart's root context.
  - components - Map - Optional. {NAME: podSelector} for `component` peers.
  - dataplane - String - Optional. kubernetes (default), cilium or openshift.
Output: JSON {"items": [{"peers", "ports", "allowAll", "notes"}...], "cilium": [...]}
*/}}
{{- define "netpol._rule.peers" -}}
  {{- $plain := list -}}
  {{- $notes := list -}}
  {{- $own := list -}}
  {{- $cilium := list -}}
  {{- range $i, $peer := .peers -}}
    {{- $input := dict "peer" $peer "where" (printf "%s[%d]" $.where $i) "direction" $.direction
        "ports" $.ports "ctx" $.ctx "components" $.components "dataplane" $.dataplane -}}
    {{- $out := include "netpol._peer" $input | fromJson -}}
    {{- $cilium = concat $cilium ($out.cilium | default list) -}}
    {{- $plain = concat $plain $out.peers -}}
    {{- $notes = concat $notes $out.notes -}}
    {{- $own = concat $own $out.rules -}}
  {{- end -}}
  {{- if $plain -}}
    {{- $own = prepend $own (dict "peers" $plain "ports" .ports "allowAll" false "notes" $notes) -}}
  {{- end -}}
  {{- toJson (dict "items" $own "cilium" $cilium) -}}
{{- end -}}
