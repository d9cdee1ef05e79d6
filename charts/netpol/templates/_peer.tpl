{{/*
netpol._peer (internal): one peer of a rule -> NetworkPolicy peers that share the rule's
ports, and/or whole rules for peers that bring their own ports (dns, apiServer, urls).
  input:  dict "peer" P "where" PATH "direction" D "ports" RULE-PORTS "ctx" $ "components" C
  output: JSON {"peers": [...], "rules": [...], "notes": [...]}
A peer is one type. Two combine: pods with namespaces (those pods in those namespaces),
and hosts or urls with cidrs (their addresses, given explicitly: nothing is resolved).
Chart authors may add where (the value path messages name instead of PATH), valuePaths
{pods, namespaces, cidrs, ports, onNotFound} (the values behind each field; apiServer also
takes them inside its map) and, for hosts and urls, explicitValue (the same as valuePaths.cidrs).
*/}}
{{- define "netpol._peer" -}}
{{- $types := list "pods" "namespaces" "cidr" "cidrs" "anyIPv4" "anyIPv6" "dns" "apiServer" "hosts" "urls" "hostNetwork" "component" -}}
{{- $peer := .peer -}}
{{- $named := and (kindIs "map" $peer) (hasKey $peer "where") -}}
{{- $where := .where -}}
{{- if $named -}}{{- $where = toString $peer.where -}}{{- end -}}
{{- if not (kindIs "map" $peer) -}}
{{- fail (printf "%s: %v is not a peer; write one of: %s" $where $peer (join ", " $types)) -}}
{{- end -}}
{{- range $key, $_ := $peer -}}
{{- if not (has $key (concat $types (list "except" "where" "valuePaths" "explicitValue"))) -}}
{{- fail (printf "%s: unknown peer type %q; a peer is one of: %s" $where $key (join ", " $types)) -}}
{{- end -}}
{{- end -}}
{{- $kinds := list -}}
{{- range $t := $types -}}{{- if hasKey $peer $t -}}{{- $kinds = append $kinds $t -}}{{- end -}}{{- end -}}
{{- if not $kinds -}}
{{- fail (printf "%s: the peer names no type; write one of: %s" $where (join ", " $types)) -}}
{{- end -}}
{{- $kind := include "netpol._peer.kind" $kinds -}}
{{- if not $kind -}}
{{- fail (printf "%s: the peer mixes %s; a peer is one type (only pods with namespaces, and hosts or urls with their cidrs, combine), so write them as separate peers" $where (join " and " $kinds)) -}}
{{- end -}}
{{- if and (hasKey $peer "except") (ne $kind "cidr") -}}
{{- fail (printf "%s.except: except belongs to a single cidr; write {cidr: ..., except: [...]}" $where) -}}
{{- end -}}
{{- if and .ports (has $kind (list "dns" "apiServer")) -}}
{{- fail (printf "%s: a %s peer brings its own ports; move it to a rule without ports" $where $kind) -}}
{{- end -}}
{{- $paths := ternary $peer.valuePaths dict (kindIs "map" $peer.valuePaths) -}}
{{- include (printf "netpol._peer.%s" $kind) (dict "peer" $peer "where" $where "named" $named "paths" $paths "kind" $kind "ports" .ports "ctx" .ctx "components" .components) -}}
{{- end -}}

{{/* netpol._peer.kind: the peer's types -> the template that renders them ("" when they do not combine). */}}
{{- define "netpol._peer.kind" -}}
{{- if not (without . "pods" "namespaces") -}}selector
{{- else if eq (len .) 1 -}}{{- first . -}}
{{- else if and (eq (len .) 2) (has "cidrs" .) (or (has "hosts" .) (has "urls" .)) -}}{{- first (without . "cidrs") -}}
{{- end -}}
{{- end -}}

{{/* pods and/or namespaces: one peer with a podSelector and/or a namespaceSelector. */}}
{{- define "netpol._peer.selector" -}}
{{- $p := dict -}}
{{- range $kind := list "pods" "namespaces" -}}
{{- if hasKey $.peer $kind -}}
{{- $w := get $.paths $kind | default (printf "%s.%s" $.where $kind) -}}
{{- $_ := set $p (printf "%sSelector" (trimSuffix "s" $kind)) (include "netpol._selector" (dict "value" (get $.peer $kind) "where" $w "kind" $kind "ctx" $.ctx) | fromJson) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "peers" (list $p) "rules" list "notes" list) -}}
{{- end -}}

{{/* cidr (with except): one ipBlock. */}}
{{- define "netpol._peer.cidr" -}}
{{- $block := include "netpol._cidr.ipBlock" (dict "cidr" .peer.cidr "except" .peer.except "where" (printf "%s.cidr" .where) "exceptWhere" .where) | fromJson -}}
{{- toJson (dict "peers" (list (dict "ipBlock" $block)) "rules" list "notes" list) -}}
{{- end -}}

{{/* cidrs: one ipBlock per CIDR. */}}
{{- define "netpol._peer.cidrs" -}}
{{- if or (not (kindIs "slice" .peer.cidrs)) (not .peer.cidrs) -}}
{{- fail (printf "%s.cidrs: give a non-empty list of CIDRs (use cidr with except to carve out ranges)" .where) -}}
{{- end -}}
{{- $blocks := include "netpol._cidr.blocks" (dict "cidrs" .peer.cidrs "where" (printf "%s.cidrs" .where)) | fromJson -}}
{{- toJson (dict "peers" $blocks.items "rules" list "notes" (ternary (list (printf "from %s.cidrs" .where)) list .named)) -}}
{{- end -}}

{{/* anyIPv4 / anyIPv6: 0.0.0.0/0 or ::/0 (neither covers the other family). */}}
{{- define "netpol._peer.anyIPv4" -}}{{- include "netpol._peer.anyIP" . -}}{{- end -}}
{{- define "netpol._peer.anyIPv6" -}}{{- include "netpol._peer.anyIP" . -}}{{- end -}}
{{- define "netpol._peer.anyIP" -}}
{{- if ne (toString (get .peer .kind)) "true" -}}
{{- fail (printf "%s.%s: write %s: true (or leave the peer out)" .where .kind .kind) -}}
{{- end -}}
{{- toJson (dict "peers" (list (dict "ipBlock" (dict "cidr" (ternary "0.0.0.0/0" "::/0" (eq .kind "anyIPv4"))))) "rules" list "notes" list) -}}
{{- end -}}

{{/* dns: the cluster DNS preset's rules (see _dns.tpl). */}}
{{- define "netpol._peer.dns" -}}
{{- $rules := (include "netpol._dns" (dict "dns" .peer.dns "where" (ternary .where (printf "%s.dns" .where) .named) "ctx" .ctx) | fromJson).items -}}
{{- toJson (dict "peers" list "rules" $rules "notes" list) -}}
{{- end -}}

{{/* apiServer: rules to the API server's endpoints (see _apiserver.tpl). */}}
{{- define "netpol._peer.apiServer" -}}
{{- $spec := ternary .peer.apiServer dict (kindIs "map" .peer.apiServer) -}}
{{- $w := ternary .where (printf "%s.apiServer" .where) .named -}}
{{- /* the paths inside the apiServer map win over those beside it */ -}}
{{- $paths := merge dict (ternary $spec.valuePaths dict (kindIs "map" $spec.valuePaths)) .paths -}}
{{- $input := dict "spec" $spec "where" $w "ctx" .ctx "cidrsValue" ($paths.cidrs | default (printf "%s.cidrs" $w)) "portsValue" ($paths.ports | default (printf "%s.ports" $w)) "onNotFoundValue" ($paths.onNotFound | default (printf "%s.onNotFound" $w)) -}}
{{- toJson (dict "peers" list "rules" (include "netpol._apiServer" $input | fromJson).items "notes" list) -}}
{{- end -}}

{{/* hosts: one ipBlock per name resolved at render time, unless cidrs give the addresses. */}}
{{- define "netpol._peer.hosts" -}}
{{- $hosts := (include "netpol._list" (dict "value" .peer.hosts) | fromJson).items -}}
{{- if not $hosts -}}{{- fail (printf "%s.hosts: give at least one host name" .where) -}}{{- end -}}
{{- $explicit := include "netpol._peer.explicit" . | fromJson -}}
{{- $peers := $explicit.items -}}
{{- $notes := ternary (list $explicit.note) list (not (empty $peers)) -}}
{{- range $i, $h := $hosts -}}
{{- $w := ternary $.where (printf "%s.hosts[%d]" $.where $i) $.named -}}
{{- if $explicit.items -}}
{{- $_ := include "netpol._host.name" (dict "host" $h "where" $w) -}}
{{- else -}}
{{- $b := include "netpol._host.block" (dict "host" $h "where" $w "cidrsValue" $explicit.value) | fromJson -}}
{{- $peers = append $peers (dict "ipBlock" $b.ipBlock) -}}
{{- $notes = append $notes $b.note -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "peers" $peers "rules" list "notes" $notes) -}}
{{- end -}}

{{/* urls: a rule per URL to its host, on the rule's ports or else the URL's; cidrs, when
     given, are the hosts' addresses and nothing is resolved. */}}
{{- define "netpol._peer.urls" -}}
{{- $urls := (include "netpol._list" (dict "value" .peer.urls) | fromJson).items -}}
{{- if not $urls -}}{{- fail (printf "%s.urls: give at least one URL" .where) -}}{{- end -}}
{{- $targets := list -}}
{{- range $i, $u := $urls -}}
{{- $w := ternary $.where (printf "%s.urls[%d]" $.where $i) $.named -}}
{{- $targets = append $targets (merge (dict "url" $u "where" $w) (include "netpol._url.target" (dict "url" $u "where" $w) | fromJson)) -}}
{{- end -}}
{{- $explicit := include "netpol._peer.explicit" . | fromJson -}}
{{- if and $explicit.items (gt (len $urls) 1) -}}
{{- fail (printf "%s: cidrs are the addresses of one URL, but the peer lists %d; give each URL its own peer with its cidrs" .where (len $urls)) -}}
{{- end -}}
{{- $rules := list -}}
{{- range $t := $targets -}}
{{- $peers := $explicit.items -}}
{{- $note := $explicit.note -}}
{{- if $peers -}}
{{- $_ := include "netpol._host.name" (dict "host" $t.host "where" $t.where) -}}
{{- else -}}
{{- $b := include "netpol._host.block" (dict "host" $t.host "where" $t.where "cidrsValue" $explicit.value) | fromJson -}}
{{- $peers = list (dict "ipBlock" $b.ipBlock) -}}
{{- $note = printf "%s: %s" $t.url $b.note -}}
{{- end -}}
{{- $ports := $.ports | default (list (dict "port" (int $t.port) "protocol" "TCP")) -}}
{{- $rules = append $rules (dict "peers" $peers "ports" $ports "allowAll" false "notes" (list $note)) -}}
{{- end -}}
{{- toJson (dict "peers" list "rules" $rules "notes" list) -}}
{{- end -}}

{{/*
netpol._peer.explicit: the cidrs written beside hosts or urls. Explicit addresses win over
resolving (GitOps tools cannot resolve names), so when they are given nothing is resolved.
  output: JSON {"items": [ipBlock peers], "note": "from PATH", "value": PATH of the cidrs}
*/}}
{{- define "netpol._peer.explicit" -}}
{{- $value := .peer.explicitValue | default (get .paths "cidrs") | default (printf "%s.cidrs" .where) | toString -}}
{{- $blocks := include "netpol._cidr.blocks" (dict "cidrs" .peer.cidrs "where" $value) | fromJson -}}
{{- toJson (dict "items" $blocks.items "note" (printf "from %s" $value) "value" $value) -}}
{{- end -}}

{{/* hostNetwork: callers on the host network (the API server calling a webhook). */}}
{{- define "netpol._peer.hostNetwork" -}}
{{- $hn := .peer.hostNetwork -}}
{{- if not (kindIs "map" $hn) -}}
{{- fail (printf "%s.hostNetwork: write {openshift: true} or {cidrs: [...]}" .where) -}}
{{- end -}}
{{- range $key, $_ := $hn -}}
{{- if not (has $key (list "openshift" "cidrs")) -}}
{{- fail (printf "%s.hostNetwork: unknown key %q; write {openshift: true} or {cidrs: [...]}" $.where $key) -}}
{{- end -}}
{{- end -}}
{{- /* only the boolean true selects the host network: "false" from --set-string must not */ -}}
{{- if not (or (kindIs "bool" $hn.openshift) (kindIs "invalid" $hn.openshift)) -}}
{{- fail (printf "%s.hostNetwork.openshift: %q is a %s, not a boolean; write openshift: true or false without quotes" .where (toString $hn.openshift) (kindOf $hn.openshift)) -}}
{{- end -}}
{{- if and $hn.openshift (not $hn.cidrs) -}}
{{- toJson (dict "peers" (list (dict "namespaceSelector" (dict "matchLabels" (dict "policy-group.network.openshift.io/host-network" "")))) "rules" list "notes" (list "host-network callers (the API server) on OpenShift, selected by the policy-group.network.openshift.io/host-network namespace label")) -}}
{{- else if and $hn.cidrs (not $hn.openshift) -}}
{{- $w := printf "%s.%scidrs" .where (ternary "" "hostNetwork." .named) -}}
{{- if not (kindIs "slice" $hn.cidrs) -}}
{{- fail (printf "%s: give a list of CIDRs" $w) -}}
{{- end -}}
{{- toJson (dict "peers" (include "netpol._cidr.blocks" (dict "cidrs" $hn.cidrs "where" $w) | fromJson).items "rules" list "notes" list) -}}
{{- else -}}
{{- fail (printf "%s.hostNetwork: give exactly one of openshift: true or a non-empty cidrs list" .where) -}}
{{- end -}}
{{- end -}}

{{/* component: the podSelector of another component of the release. */}}
{{- define "netpol._peer.component" -}}
{{- $name := toString .peer.component -}}
{{- $components := .components | default dict -}}
{{- if not (hasKey $components $name) -}}
{{- fail (printf "%s.component: %q is not a component of this release; known components: %s" .where $name (join ", " (keys $components | sortAlpha))) -}}
{{- end -}}
{{- $selector := include "netpol._selector" (dict "value" (get $components $name) "where" (printf "components.%s.podSelector" $name) "kind" "pods" "ctx" .ctx) | fromJson -}}
{{- toJson (dict "peers" (list (dict "podSelector" $selector)) "rules" list "notes" (list (printf "component %s" $name))) -}}
{{- end -}}
