{{/*
netpol.rule: one rule of the peer vocabulary -> NetworkPolicy rules.
  input:  dict "rule" R "direction" "ingress"|"egress" "where" PATH "ctx" $
               "components" {NAME: podSelector} (for `component` peers)
  output: JSON {"items": [{"peers": [...], "ports": [...], "allowAll": bool, "notes": [...]}]}

A rule is {name?, description?, ports?, to|from: [peer...], allowAll?}; charts may add
where: VALUE.PATH so messages name their own value. Peers that carry
their own ports (dns, apiServer, urls) become rules of their own. A rule only ever
loses its peer list when the user wrote allowAll: true: an empty `to`/`from` in a
NetworkPolicy means "everyone", so producing one by accident opens the pod.
*/}}
{{- define "netpol.rule" -}}
{{- $rule := .rule -}}
{{- $where := .where -}}
{{- $peerKey := ternary "to" "from" (eq .direction "egress") -}}
{{- $otherKey := ternary "from" "to" (eq .direction "egress") -}}
{{- if not (kindIs "map" $rule) -}}
{{- fail (printf "%s: %v is not a rule; write {ports: [...], %s: [...]}" $where $rule $peerKey) -}}
{{- end -}}
{{- range $key, $_ := $rule -}}
{{- if eq $key $otherKey -}}
{{- fail (printf "%s: %s rules list their peers under %q, not %q" $where $.direction $peerKey $otherKey) -}}
{{- else if not (has $key (list "name" "description" "ports" "allowAll" "where" $peerKey)) -}}
{{- fail (printf "%s: unknown key %q; a rule takes name, description, ports, %s and allowAll" $where $key $peerKey) -}}
{{- end -}}
{{- end -}}
{{- $ports := (include "netpol.ports" (dict "ports" $rule.ports "where" (printf "%s.ports" $where)) | fromJson).items -}}
{{- $peersIn := get $rule $peerKey | default list -}}
{{- if not (kindIs "slice" $peersIn) -}}
{{- fail (printf "%s.%s: give a list of peers" $where $peerKey) -}}
{{- end -}}
{{- $label := ternary (printf "%s " (toString $rule.name)) "" (hasKey $rule "name") -}}
{{- /* only the boolean true opens a rule: "false" or "no" from --set-string must not */ -}}
{{- $allowAll := false -}}
{{- if hasKey $rule "allowAll" -}}
{{- if not (kindIs "bool" $rule.allowAll) -}}
{{- fail (printf "%s.allowAll: %v is not true or false; write allowAll: true to allow every peer" $where $rule.allowAll) -}}
{{- end -}}
{{- $allowAll = $rule.allowAll -}}
{{- end -}}
{{- $items := list -}}
{{- if $allowAll -}}
{{- if $peersIn -}}
{{- fail (printf "%s: allowAll: true allows every peer; remove %s, or remove allowAll to allow only those peers" $where $peerKey) -}}
{{- end -}}
{{- $items = append $items (dict "peers" list "ports" $ports "allowAll" true "notes" (list (printf "%severy peer%s (allowAll)" $label (ternary "" (printf " on %s" (include "netpol.ports.text" $ports)) (not $ports))))) -}}
{{- else -}}
{{- if not $peersIn -}}
{{- fail (printf "%s.%s: the rule has no peers, and an empty peer list would allow every peer; list the peers, or write allowAll: true if every peer is meant" $where $peerKey) -}}
{{- end -}}
{{- $plain := list -}}
{{- $notes := list -}}
{{- range $i, $peer := $peersIn -}}
{{- $out := include "netpol.peer" (dict "peer" $peer "where" (printf "%s.%s[%d]" $where $peerKey $i) "direction" $.direction "ports" $ports "ctx" $.ctx "components" $.components) | fromJson -}}
{{- $plain = concat $plain $out.peers -}}
{{- $notes = concat $notes $out.notes -}}
{{- $items = concat $items $out.rules -}}
{{- end -}}
{{- if $plain -}}
{{- $items = prepend $items (dict "peers" $plain "ports" $ports "allowAll" false "notes" $notes) -}}
{{- end -}}
{{- end -}}
{{- if hasKey $rule "name" -}}
{{- range $item := $items -}}{{- $_ := set $item "name" (toString $rule.name) -}}{{- end -}}
{{- end -}}
{{- toJson (dict "items" $items) -}}
{{- end -}}

{{/*
netpol.peer: one peer -> NetworkPolicy peers (sharing the rule's ports) and/or whole
rules (for peers that carry their own ports).
  output: JSON {"peers": [...], "rules": [...], "notes": [...]}
*/}}
{{- define "netpol.peer" -}}
{{- $peer := .peer -}}
{{- $where := .where -}}
{{- /* where and explicitValue let a chart name its own values in messages */ -}}
{{- /* named: the chart gave the value path itself, so no field suffix is appended */ -}}
{{- $named := and (kindIs "map" $peer) (hasKey $peer "where") -}}
{{- if $named -}}{{- $where = toString $peer.where -}}{{- end -}}
{{- $known := list "pods" "namespaces" "cidr" "except" "cidrs" "anyIPv4" "anyIPv6" "dns" "apiServer" "hosts" "urls" "hostNetwork" "component" "where" "explicitValue" "valuePaths" -}}
{{- if not (kindIs "map" $peer) -}}
{{- fail (printf "%s: %v is not a peer; write one of: %s" $where $peer (join ", " (without $known "except" "where" "explicitValue" "valuePaths"))) -}}
{{- end -}}
{{- range $key, $_ := $peer -}}
{{- if not (has $key $known) -}}
{{- fail (printf "%s: unknown peer type %q; a peer is one of: %s" $where $key (join ", " (without $known "except" "where" "explicitValue" "valuePaths"))) -}}
{{- end -}}
{{- end -}}
{{- $kinds := list -}}
{{- range $k := list "pods" "namespaces" "cidr" "cidrs" "anyIPv4" "anyIPv6" "dns" "apiServer" "hosts" "urls" "hostNetwork" "component" -}}
{{- if hasKey $peer $k -}}{{- $kinds = append $kinds $k -}}{{- end -}}
{{- end -}}
{{- $selectorPeer := and $kinds (eq (len (without $kinds "pods" "namespaces")) 0) -}}
{{- if not $kinds -}}
{{- fail (printf "%s: the peer names no type; write one of: %s" $where (join ", " (without $known "except" "where" "explicitValue" "valuePaths"))) -}}
{{- end -}}
{{- if and (not $selectorPeer) (gt (len $kinds) 1) -}}
{{- fail (printf "%s: the peer mixes %s; a peer is one type (only pods and namespaces combine), so write them as separate peers" $where (join " and " $kinds)) -}}
{{- end -}}
{{- if and (hasKey $peer "except") (not (hasKey $peer "cidr")) -}}
{{- fail (printf "%s.except: except belongs to a single cidr; write {cidr: ..., except: [...]}" $where) -}}
{{- end -}}
{{- $kind := first $kinds -}}
{{- $peers := list -}}
{{- $rules := list -}}
{{- $notes := list -}}
{{- $ownPorts := has $kind (list "dns" "apiServer" "urls") -}}
{{- if and $ownPorts .ports (ne $kind "urls") -}}
{{- fail (printf "%s: a %s peer brings its own ports; move it to a rule without ports" $where $kind) -}}
{{- end -}}
{{- if $selectorPeer -}}
{{- $p := dict -}}
{{- $paths := $peer.valuePaths | default dict -}}
{{- if hasKey $peer "pods" -}}{{- $_ := set $p "podSelector" (include "netpol.selector" (dict "value" $peer.pods "where" ($paths.pods | default (printf "%s.pods" $where)) "kind" "pods" "ctx" .ctx) | fromJson) -}}{{- end -}}
{{- if hasKey $peer "namespaces" -}}{{- $_ := set $p "namespaceSelector" (include "netpol.selector" (dict "value" $peer.namespaces "where" ($paths.namespaces | default (printf "%s.namespaces" $where)) "kind" "namespaces" "ctx" .ctx) | fromJson) -}}{{- end -}}
{{- $peers = append $peers $p -}}
{{- else if eq $kind "cidr" -}}
{{- $peers = append $peers (dict "ipBlock" (include "netpol.cidr.ipBlock" (dict "cidr" $peer.cidr "except" $peer.except "where" (printf "%s.cidr" $where) "exceptWhere" $where) | fromJson)) -}}
{{- else if eq $kind "cidrs" -}}
{{- if or (not (kindIs "slice" $peer.cidrs)) (not $peer.cidrs) -}}
{{- fail (printf "%s.cidrs: give a non-empty list of CIDRs (use cidr with except to carve out ranges)" $where) -}}
{{- end -}}
{{- range $i, $c := $peer.cidrs -}}
{{- $peers = append $peers (dict "ipBlock" (include "netpol.cidr.ipBlock" (dict "cidr" $c "where" (printf "%s.cidrs[%d]" $where $i)) | fromJson)) -}}
{{- end -}}
{{- if $named -}}{{- $notes = append $notes (printf "from %s.cidrs" $where) -}}{{- end -}}
{{- else if has $kind (list "anyIPv4" "anyIPv6") -}}
{{- if ne (toString (get $peer $kind)) "true" -}}
{{- fail (printf "%s.%s: write %s: true (or leave the peer out)" $where $kind $kind) -}}
{{- end -}}
{{- $peers = append $peers (dict "ipBlock" (dict "cidr" (ternary "0.0.0.0/0" "::/0" (eq $kind "anyIPv4")))) -}}
{{- else if eq $kind "dns" -}}
{{- $rules = (include "netpol.dns" (dict "dns" $peer.dns "where" (ternary $where (printf "%s.dns" $where) $named) "ctx" .ctx) | fromJson).items -}}
{{- else if eq $kind "apiServer" -}}
{{- $spec := $peer.apiServer -}}
{{- if not (kindIs "map" $spec) -}}{{- $spec = dict -}}{{- end -}}
{{- $w := ternary $where (printf "%s.apiServer" $where) $named -}}
{{- $paths := $spec.valuePaths | default dict -}}
{{- $rules = (include "netpol.apiServer" (dict "spec" $spec "where" $w "ctx" .ctx "cidrsValue" ($paths.cidrs | default (printf "%s.cidrs" $w)) "portsValue" ($paths.ports | default (printf "%s.ports" $w)) "onNotFoundValue" ($paths.onNotFound | default (printf "%s.onNotFound" $w))) | fromJson).items -}}
{{- else if eq $kind "hosts" -}}
{{- $hosts := $peer.hosts -}}
{{- if kindIs "string" $hosts -}}{{- $hosts = list $hosts -}}{{- end -}}
{{- if not $hosts -}}{{- fail (printf "%s.hosts: give at least one host name" $where) -}}{{- end -}}
{{- range $i, $h := $hosts -}}
{{- $b := include "netpol.host.block" (dict "host" $h "where" (ternary $where (printf "%s.hosts[%d]" $where $i) $named) "cidrsValue" ($peer.explicitValue | default (printf "a cidrs peer in place of %s" $where))) | fromJson -}}
{{- $peers = append $peers (dict "ipBlock" $b.ipBlock) -}}
{{- $notes = append $notes $b.note -}}
{{- end -}}
{{- else if eq $kind "urls" -}}
{{- $urls := $peer.urls -}}
{{- if kindIs "string" $urls -}}{{- $urls = list $urls -}}{{- end -}}
{{- if not $urls -}}{{- fail (printf "%s.urls: give at least one URL" $where) -}}{{- end -}}
{{- range $i, $u := $urls -}}
{{- $w := ternary $where (printf "%s.urls[%d]" $where $i) $named -}}
{{- $t := include "netpol.url.target" (dict "url" $u "where" $w) | fromJson -}}
{{- $b := include "netpol.host.block" (dict "host" $t.host "where" $w "cidrsValue" ($peer.explicitValue | default (printf "a cidrs peer in place of %s" $where))) | fromJson -}}
{{- $p := $.ports | default (list (dict "port" (int $t.port) "protocol" "TCP")) -}}
{{- $rules = append $rules (dict "peers" (list (dict "ipBlock" $b.ipBlock)) "ports" $p "allowAll" false "notes" (list (printf "%s: %s" $u $b.note))) -}}
{{- end -}}
{{- else if eq $kind "hostNetwork" -}}
{{- $hn := $peer.hostNetwork -}}
{{- if not (kindIs "map" $hn) -}}
{{- fail (printf "%s.hostNetwork: write {openshift: true} or {cidrs: [...]}" $where) -}}
{{- end -}}
{{- if and $hn.openshift (not $hn.cidrs) -}}
{{- $peers = append $peers (dict "namespaceSelector" (dict "matchLabels" (dict "policy-group.network.openshift.io/host-network" ""))) -}}
{{- $notes = append $notes "host-network callers (the API server) on OpenShift, selected by the policy-group.network.openshift.io/host-network namespace label" -}}
{{- else if and $hn.cidrs (not $hn.openshift) -}}
{{- if not (kindIs "slice" $hn.cidrs) -}}
{{- fail (printf "%s.%scidrs: give a list of CIDRs" $where (ternary "" "hostNetwork." $named)) -}}
{{- end -}}
{{- range $i, $c := $hn.cidrs -}}
{{- $peers = append $peers (dict "ipBlock" (include "netpol.cidr.ipBlock" (dict "cidr" $c "where" (printf "%s.%scidrs[%d]" $where (ternary "" "hostNetwork." $named) $i)) | fromJson)) -}}
{{- end -}}
{{- else -}}
{{- fail (printf "%s.hostNetwork: give exactly one of openshift: true or a non-empty cidrs list" $where) -}}
{{- end -}}
{{- else if eq $kind "component" -}}
{{- $name := toString $peer.component -}}
{{- if not (hasKey (.components | default dict) $name) -}}
{{- fail (printf "%s.component: %q is not a component of this release; known components: %s" $where $name (join ", " (keys (.components | default dict) | sortAlpha))) -}}
{{- end -}}
{{- $peers = append $peers (dict "podSelector" (include "netpol.selector" (dict "value" (get .components $name) "where" (printf "components.%s.podSelector" $name) "kind" "pods" "ctx" .ctx) | fromJson)) -}}
{{- $notes = append $notes (printf "component %s" $name) -}}
{{- end -}}
{{- toJson (dict "peers" $peers "rules" $rules "notes" $notes) -}}
{{- end -}}

{{/* netpol.ports.text: "53/UDP, 53/TCP, 8000-8100/TCP" for notes. */}}
{{- define "netpol.ports.text" -}}
{{- $parts := list -}}
{{- range $p := . -}}
{{- $parts = append $parts (printf "%v%s/%s" $p.port (ternary (printf "-%v" $p.endPort) "" (hasKey $p "endPort")) $p.protocol) -}}
{{- end -}}
{{- join ", " $parts -}}
{{- end -}}
