{{/*
netpol._rule (internal): one rule of the peer vocabulary -> NetworkPolicy rules.
  input:  dict "rule" R "direction" "ingress"|"egress" "where" PATH "ctx" $
               "components" {NAME: podSelector} (for `component` peers)
  output: JSON {"items": [{"peers": [...], "ports": [...], "allowAll": bool, "notes": [...]}]}

A rule is {name?, description?, ports?, to|from: [peer...], allowAll?}; charts may add
where: VALUE.PATH so messages name their own value. Peers that carry their own ports
(dns, apiServer, urls) become rules of their own. A rule only ever loses its peer list
when the user wrote allowAll: true: an empty `to`/`from` in a NetworkPolicy means
"everyone", so producing one by accident opens the pod.
*/}}
{{- define "netpol._rule" -}}
{{- $rule := .rule -}}
{{- $where := .where -}}
{{- $peerKey := ternary "to" "from" (eq .direction "egress") -}}
{{- include "netpol._rule.keys" . -}}
{{- $ports := (include "netpol._port.list" (dict "ports" $rule.ports "where" (printf "%s.ports" $where)) | fromJson).items -}}
{{- $peersIn := get $rule $peerKey | default list -}}
{{- if not (kindIs "slice" $peersIn) -}}
{{- fail (printf "%s.%s: give a list of peers" $where $peerKey) -}}
{{- end -}}
{{- $allowAll := include "netpol._rule.allowAll" . -}}
{{- $label := ternary (printf "%s " (toString $rule.name)) "" (hasKey $rule "name") -}}
{{- $items := list -}}
{{- if $allowAll -}}
{{- if $peersIn -}}
{{- fail (printf "%s: allowAll: true allows every peer; remove %s, or remove allowAll to allow only those peers" $where $peerKey) -}}
{{- end -}}
{{- $items = list (dict "peers" list "ports" $ports "allowAll" true "notes" (list (printf "%severy peer%s (allowAll)" $label (ternary "" (printf " on %s" (include "netpol._text.ports" $ports)) (not $ports))))) -}}
{{- else -}}
{{- if not $peersIn -}}
{{- fail (printf "%s.%s: the rule has no peers, and an empty peer list would allow every peer; list the peers, or write allowAll: true if every peer is meant" $where $peerKey) -}}
{{- end -}}
{{- $items = (include "netpol._rule.peers" (dict "peers" $peersIn "where" (printf "%s.%s" $where $peerKey) "direction" .direction "ports" $ports "ctx" .ctx "components" .components) | fromJson).items -}}
{{- end -}}
{{- if hasKey $rule "name" -}}
{{- range $item := $items -}}{{- $_ := set $item "name" (toString $rule.name) -}}{{- end -}}
{{- end -}}
{{- toJson (dict "items" $items) -}}
{{- end -}}

{{/* netpol._rule.keys: the rule is a map of the keys a rule takes, its peers under the
     direction's key. */}}
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
{{- fail (printf "%s: unknown key %q; a rule takes name, description, ports, %s and allowAll" $.where $key $peerKey) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* netpol._rule.allowAll: "true" when the rule says allowAll: true. Only the boolean true
     opens a rule: "false" or "no" from --set-string must not. */}}
{{- define "netpol._rule.allowAll" -}}
{{- if hasKey .rule "allowAll" -}}
{{- if not (kindIs "bool" .rule.allowAll) -}}
{{- fail (printf "%s.allowAll: %v is not true or false; write allowAll: true to allow every peer" .where .rule.allowAll) -}}
{{- end -}}
{{- if .rule.allowAll -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* netpol._rule.peers: a rule's peers -> its rules: one for the peers that share the
     rule's ports (first), then those of peers that bring their own. */}}
{{- define "netpol._rule.peers" -}}
{{- $plain := list -}}
{{- $notes := list -}}
{{- $own := list -}}
{{- range $i, $peer := .peers -}}
{{- $out := include "netpol._peer" (dict "peer" $peer "where" (printf "%s[%d]" $.where $i) "direction" $.direction "ports" $.ports "ctx" $.ctx "components" $.components) | fromJson -}}
{{- $plain = concat $plain $out.peers -}}
{{- $notes = concat $notes $out.notes -}}
{{- $own = concat $own $out.rules -}}
{{- end -}}
{{- if $plain -}}
{{- $own = prepend $own (dict "peers" $plain "ports" .ports "allowAll" false "notes" $notes) -}}
{{- end -}}
{{- toJson (dict "items" $own) -}}
{{- end -}}
