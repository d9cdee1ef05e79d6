{{/*
netpol._peer (internal): one peer of a rule -> NetworkPolicy peers that share the rule's
ports, and/or whole rules for peers that bring their own ports (dns, apiServer, urls).
Params:
  - peer - Map - Required. The peer as written: one type, e.g. {pods: ...} or {cidr: ..., except: [...]}.
  - where - String - Required. The value path of the peer, named in messages.
  - direction - String - Required. "ingress" or "egress" (handed on; the peer types do not depend on it).
  - ports - List - Optional. The rule's ports, already checked (dns and apiServer peers refuse them).
  - ctx - Context - Required. The chart's root context.
  - components - Map - Optional. {NAME: podSelector} for component peers.
  - dataplane - String - Optional. kubernetes (the default), cilium or openshift, already checked.
Output: JSON {"peers": [...], "rules": [...], "notes": [...], "cilium": [...]}
"cilium" (only under the cilium dataplane, and only from apiServer, hosts, urls and
hostNetwork peers) holds Cilium rules for what a NetworkPolicy cannot say on Cilium: each
{"rule": CiliumNetworkPolicy rule, "note": text, "byName": bool (toFQDNs, which needs the
DNS rule of netpol._cilium.dnsRules)}.
A peer is one type. Two combine: pods with namespaces (those pods in those namespaces),
and hosts or urls with cidrs (their addresses, given explicitly: nothing is resolved).
Chart authors may add to a peer where (the value path messages name instead), valuePaths
{pods, namespaces, cidrs, ports, onNotFound} (the values behind each field; apiServer also
takes them inside its map) and, for hosts and urls, explicitValue (the same as valuePaths.cidrs).
The peer templates below take {peer, where, named (the peer has its own where), paths
(its valuePaths), kind, direction, ports, ctx, components, dataplane}.
*/}}
{{- define "netpol._peer" -}}
  {{- $types := list "pods" "namespaces" "cidr" "cidrs" "anyIPv4" "anyIPv6" "dns" "apiServer" "hosts" "urls"
      "hostNetwork" "component" -}}
  {{- $peer := .peer -}}
  {{- $named := and (kindIs "map" $peer) (hasKey $peer "where") -}}
  {{- $where := .where -}}
  {{- if $named -}}{{- $where = toString $peer.where -}}{{- end -}}
  {{- if not (kindIs "map" $peer) -}}
    {{- fail (printf "%s: %v is not a peer; write one of: %s" $where $peer (join ", " $types)) -}}
  {{- end -}}
  {{- range $key, $_ := $peer -}}
    {{- if not (has $key (concat $types (list "except" "where" "valuePaths" "explicitValue" "addressFallback"))) -}}
      {{- fail (printf "%s: unknown peer type %q; a peer is one of: %s" $where $key (join ", " $types)) -}}
    {{- end -}}
  {{- end -}}
  {{- $kinds := list -}}
  {{- range $t := $types -}}
    {{- if hasKey $peer $t -}}{{- $kinds = append $kinds $t -}}{{- end -}}
  {{- end -}}
  {{- if not $kinds -}}
    {{- fail (printf "%s: the peer names no type; write one of: %s" $where (join ", " $types)) -}}
  {{- end -}}
  {{- $kind := include "netpol._peer.kind" $kinds -}}
  {{- if not $kind -}}
    {{- $msg := print "%s: the peer mixes %s; a peer is one type (only pods with namespaces, "
        "and hosts or urls with their cidrs, combine), so write them as separate peers" -}}
    {{- fail (printf $msg $where (join " and " $kinds)) -}}
  {{- end -}}
  {{- include "netpol._peer.options" (dict "peer" $peer "kind" $kind "where" $where "ports" .ports) -}}
  {{- $paths := ternary $peer.valuePaths dict (kindIs "map" $peer.valuePaths) -}}
  {{- include (printf "netpol._peer.%s" $kind) (dict "peer" $peer "where" $where "named" $named "paths" $paths
      "kind" $kind "direction" .direction "ports" .ports "ctx" .ctx "components" .components
      "dataplane" (.dataplane | default "kubernetes")) -}}
{{- end -}}

{{/*
netpol._peer.options: the keys beside a peer's type belong to it: except to a cidr,
addressFallback (a boolean) to hosts and urls, and rule ports not to peers with their own.
Params:
  - peer - Map - Required. The peer as written.
  - kind - String - Required. The template that renders it (netpol._peer.kind).
  - where - String - Required. The value path of the peer, named in messages.
  - ports - List - Optional. The rule's ports.
Output: nothing; fails on a key that does not belong
*/}}
{{- define "netpol._peer.options" -}}
  {{- $peer := .peer -}}
  {{- if and (hasKey $peer "addressFallback") (not (has .kind (list "hosts" "urls"))) -}}
    {{- fail (printf "%s.addressFallback: belongs to hosts and urls peers" .where) -}}
  {{- end -}}
  {{- if not (or (kindIs "bool" $peer.addressFallback) (kindIs "invalid" $peer.addressFallback)) -}}
    {{- fail (printf "%s.addressFallback: %q is not true or false; write it without quotes" .where
        (toString $peer.addressFallback)) -}}
  {{- end -}}
  {{- if and (hasKey $peer "except") (ne .kind "cidr") -}}
    {{- fail (printf "%s.except: except belongs to a single cidr; write {cidr: ..., except: [...]}" .where) -}}
  {{- end -}}
  {{- if and .ports (has .kind (list "dns" "apiServer")) -}}
    {{- fail (printf "%s: a %s peer brings its own ports; move it to a rule without ports" .where .kind) -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._peer.kind: the peer's types -> the template that renders them ("" when they do not combine).
Params:
  - . - List - Required. The peer types the peer names, in the order of the type list.
Output: "selector", one type, or ""
*/}}
{{- define "netpol._peer.kind" -}}
  {{- if not (without . "pods" "namespaces") -}}
    {{- "selector" -}}
  {{- else if eq (len .) 1 -}}
    {{- first . -}}
  {{- else if and (eq (len .) 2) (has "cidrs" .) (or (has "hosts" .) (has "urls" .)) -}}
    {{- first (without . "cidrs") -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._peer.selector: pods and/or namespaces -> one peer with a podSelector and/or a namespaceSelector.
Params:
  - peer - Map - Required. {pods, namespaces}, either or both.
  - where - String - Required. The value path of the peer, named in messages.
  - paths - Map - Required. The peer's valuePaths: the value paths of pods and namespaces, if given.
  - ctx - Context - Required. The chart's root context.
Output: JSON {"peers": [peer], "rules": [], "notes": []}
*/}}
{{- define "netpol._peer.selector" -}}
  {{- $p := dict -}}
  {{- range $kind := list "pods" "namespaces" -}}
    {{- if hasKey $.peer $kind -}}
      {{- $w := get $.paths $kind | default (printf "%s.%s" $.where $kind) -}}
      {{- $input := dict "value" (get $.peer $kind) "where" $w "kind" $kind "ctx" $.ctx -}}
      {{- $_ := set $p (printf "%sSelector" (trimSuffix "s" $kind)) (include "netpol._selector" $input | fromJson) -}}
    {{- end -}}
  {{- end -}}
  {{- toJson (dict "peers" (list $p) "rules" list "notes" list) -}}
{{- end -}}

{{/*
netpol._peer.cidr: cidr (with except) -> one ipBlock.
Params:
  - peer - Map - Required. {cidr, except}.
  - where - String - Required. The value path of the peer, named in messages.
Output: JSON {"peers": [peer], "rules": [], "notes": []}
*/}}
{{- define "netpol._peer.cidr" -}}
  {{- $input := dict "cidr" .peer.cidr "except" .peer.except "where" (printf "%s.cidr" .where) "exceptWhere" .where -}}
  {{- $block := include "netpol._cidr.ipBlock" $input | fromJson -}}
  {{- toJson (dict "peers" (list (dict "ipBlock" $block)) "rules" list "notes" list) -}}
{{- end -}}

{{/*
netpol._peer.cidrs: one ipBlock per CIDR.
Params:
  - peer - Map - Required. {cidrs: [...]}.
  - where - String - Required. The value path of the peer, named in messages.
  - named - Bool - Required. Whether the peer has a where of its own (then the note names it).
Output: JSON {"peers": [peer...], "rules": [], "notes": [...]}
*/}}
{{- define "netpol._peer.cidrs" -}}
  {{- if or (not (kindIs "slice" .peer.cidrs)) (not .peer.cidrs) -}}
    {{- fail (printf "%s.cidrs: give a non-empty list of CIDRs (use cidr with except to carve out ranges)" .where) -}}
  {{- end -}}
  {{- $w := printf "%s.cidrs" .where -}}
  {{- $blocks := include "netpol._cidr.blocks" (dict "cidrs" .peer.cidrs "where" $w) | fromJson -}}
  {{- $notes := ternary (list (printf "from %s.cidrs" .where)) list .named -}}
  {{- toJson (dict "peers" $blocks.items "rules" list "notes" $notes) -}}
{{- end -}}

{{/*
netpol._peer.anyIPv4: 0.0.0.0/0, which does not cover IPv6 (see netpol._peer.anyIP).
Params:
  - peer - Map - Required. {anyIPv4: true}.
  - where - String - Required. The value path of the peer, named in messages.
  - kind - String - Required. "anyIPv4".
Output: JSON {"peers": [peer], "rules": [], "notes": []}
*/}}
{{- define "netpol._peer.anyIPv4" -}}{{- include "netpol._peer.anyIP" . -}}{{- end -}}

{{/*
netpol._peer.anyIPv6: ::/0, which does not cover IPv4 (see netpol._peer.anyIP).
Params:
  - peer - Map - Required. {anyIPv6: true}.
  - where - String - Required. The value path of the peer, named in messages.
  - kind - String - Required. "anyIPv6".
Output: JSON {"peers": [peer], "rules": [], "notes": []}
*/}}
{{- define "netpol._peer.anyIPv6" -}}{{- include "netpol._peer.anyIP" . -}}{{- end -}}

{{/*
netpol._peer.anyIP: 0.0.0.0/0 or ::/0 (neither covers the other family).
Params:
  - peer - Map - Required. {anyIPv4: true} or {anyIPv6: true}.
  - where - String - Required. The value path of the peer, named in messages.
  - kind - String - Required. "anyIPv4" or "anyIPv6".
Output: JSON {"peers": [peer], "rules": [], "notes": []}
*/}}
{{- define "netpol._peer.anyIP" -}}
  {{- if ne (toString (get .peer .kind)) "true" -}}
    {{- fail (printf "%s.%s: write %s: true (or leave the peer out)" .where .kind .kind) -}}
  {{- end -}}
  {{- $cidr := ternary "0.0.0.0/0" "::/0" (eq .kind "anyIPv4") -}}
  {{- toJson (dict "peers" (list (dict "ipBlock" (dict "cidr" $cidr))) "rules" list "notes" list) -}}
{{- end -}}

{{/*
netpol._peer.dns: the cluster DNS preset's rules (see _dns.tpl).
Params:
  - peer - Map - Required. {dns: PRESET or {...}}.
  - where - String - Required. The value path of the peer, named in messages.
  - named - Bool - Required. Whether the peer has a where of its own (then messages name it as is).
  - ctx - Context - Required. The chart's root context.
  - dataplane - String - Required. The dataplane (its DNS is the default preset).
Output: JSON {"peers": [], "rules": [rule... with "dns": true], "notes": []}
*/}}
{{- define "netpol._peer.dns" -}}
  {{- $w := ternary .where (printf "%s.dns" .where) .named -}}
  {{- $rules := list -}}
  {{- $input := dict "dns" .peer.dns "where" $w "ctx" .ctx "dataplane" .dataplane -}}
  {{- range $r := (include "netpol._dns" $input | fromJson).items -}}
    {{- /* marked, so a policy with names enforced by Cilium can let its DNS proxy see the lookups */ -}}
    {{- $rules = append $rules (merge (dict "dns" true) $r) -}}
  {{- end -}}
  {{- toJson (dict "peers" list "rules" $rules "notes" list) -}}
{{- end -}}

{{/*
netpol._peer.apiServer: rules to the API server's endpoints (see _apiserver.tpl).
Params:
  - peer - Map - Required. {apiServer: {cidrs, ports, onNotFound, valuePaths}}, or {apiServer: true}.
  - where - String - Required. The value path of the peer, named in messages.
  - named - Bool - Required. Whether the peer has a where of its own (then messages name it as is).
  - paths - Map - Required. The peer's valuePaths: the value paths of cidrs, ports and onNotFound.
  - ctx - Context - Required. The chart's root context.
  - direction - String - Required. "ingress" or "egress".
  - dataplane - String - Required. On cilium, the API server is also named as the kube-apiserver entity.
Output: JSON {"peers": [], "rules": [rule...], "notes": [], "cilium": [...]}
*/}}
{{- define "netpol._peer.apiServer" -}}
  {{- $spec := ternary .peer.apiServer dict (kindIs "map" .peer.apiServer) -}}
  {{- $w := ternary .where (printf "%s.apiServer" .where) .named -}}
  {{- /* the paths inside the apiServer map win over those beside it */ -}}
  {{- $paths := merge dict (ternary $spec.valuePaths dict (kindIs "map" $spec.valuePaths)) .paths -}}
  {{- $input := dict "spec" $spec "where" $w "ctx" .ctx "direction" .direction "dataplane" .dataplane
      "cidrsValue" ($paths.cidrs | default (printf "%s.cidrs" $w))
      "portsValue" ($paths.ports | default (printf "%s.ports" $w))
      "onNotFoundValue" ($paths.onNotFound | default (printf "%s.onNotFound" $w)) -}}
  {{- $out := include "netpol._apiServer" $input | fromJson -}}
  {{- toJson (dict "peers" list "rules" $out.items "notes" list "cilium" ($out.cilium | default list)) -}}
{{- end -}}

{{/*
netpol._peer.hosts: one ipBlock per name resolved at render time, unless cidrs give the
addresses. On the cilium dataplane, egress to a name is enforced by name instead
(netpol._cilium.byName) and nothing is resolved, unless addressFallback: true asks for the
resolved address too; cidrs given beside the names are rendered on every dataplane.
Params:
  - peer - Map - Required. {hosts: NAME or [NAME...], cidrs, explicitValue, addressFallback}.
  - where - String - Required. The value path of the peer, named in messages.
  - named - Bool - Required. Whether the peer has a where of its own (then messages name it as is).
  - paths - Map - Required. The peer's valuePaths (cidrs: the value path of the explicit addresses).
  - ports - List - Optional. The rule's ports.
  - direction - String - Required. "ingress" or "egress" (names are enforced only in egress).
  - dataplane - String - Required. kubernetes, cilium or openshift.
Output: JSON {"peers": [peer...], "rules": [], "notes": [...], "cilium": [...]}
*/}}
{{- define "netpol._peer.hosts" -}}
  {{- $hosts := (include "netpol._list" (dict "value" .peer.hosts) | fromJson).items -}}
  {{- if not $hosts -}}{{- fail (printf "%s.hosts: give at least one host name" .where) -}}{{- end -}}
  {{- $explicit := include "netpol._peer.explicit" . | fromJson -}}
  {{- $peers := $explicit.items -}}
  {{- $notes := ternary (list $explicit.note) list (not (empty $peers)) -}}
  {{- $byName := include "netpol._peer.byName" . -}}
  {{- $names := list -}}
  {{- range $i, $h := $hosts -}}
    {{- $w := ternary $.where (printf "%s.hosts[%d]" $.where $i) $.named -}}
    {{- $name := include "netpol._host.name" (dict "host" $h "where" $w) | fromJson -}}
    {{- if and $byName (not $name.literal) -}}{{- $names = append $names $name.host -}}{{- end -}}
    {{- if and (not $explicit.items) (or (not $byName) $name.literal $.peer.addressFallback) -}}
      {{- $input := dict "host" $h "where" $w "cidrsValue" $explicit.value "name" $name -}}
      {{- $b := include "netpol._host.block" $input | fromJson -}}
      {{- $peers = append $peers (dict "ipBlock" $b.ipBlock) -}}
      {{- $notes = append $notes $b.note -}}
    {{- end -}}
  {{- end -}}
  {{- $cilium := list -}}
  {{- if $names -}}
    {{- $cilium = list (include "netpol._cilium.byName" (dict "names" $names "ports" .ports) | fromJson) -}}
  {{- end -}}
  {{- toJson (dict "peers" $peers "rules" list "notes" $notes "cilium" $cilium) -}}
{{- end -}}

{{/*
netpol._peer.byName: "true" when names are enforced by name: egress on the cilium dataplane.
Params:
  - direction - String - Required. "ingress" or "egress".
  - dataplane - String - Required. kubernetes, cilium or openshift.
Output: "true", or nothing
*/}}
{{- define "netpol._peer.byName" -}}
  {{- if and (eq .dataplane "cilium") (eq .direction "egress") -}}true{{- end -}}
{{- end -}}

{{/*
netpol._peer.urls: a rule per URL to its host, on the rule's ports or else the URL's; cidrs,
when given, are the hosts' addresses and nothing is resolved. On the cilium dataplane the
host is enforced by name, as for hosts peers (netpol._peer.hosts).
Params:
  - peer - Map - Required. {urls: URL or [URL...], cidrs, explicitValue, addressFallback}.
  - where - String - Required. The value path of the peer, named in messages.
  - named - Bool - Required. Whether the peer has a where of its own (then messages name it as is).
  - paths - Map - Required. The peer's valuePaths (cidrs: the value path of the explicit addresses).
  - ports - List - Optional. The rule's ports, which win over the URL's.
  - direction - String - Required. "ingress" or "egress".
  - dataplane - String - Required. kubernetes, cilium or openshift.
Output: JSON {"peers": [], "rules": [rule...], "notes": [], "cilium": [...]}
*/}}
{{- define "netpol._peer.urls" -}}
  {{- $urls := (include "netpol._list" (dict "value" .peer.urls) | fromJson).items -}}
  {{- if not $urls -}}{{- fail (printf "%s.urls: give at least one URL" .where) -}}{{- end -}}
  {{- $targets := list -}}
  {{- range $i, $u := $urls -}}
    {{- $w := ternary $.where (printf "%s.urls[%d]" $.where $i) $.named -}}
    {{- $target := include "netpol._url.target" (dict "url" $u "where" $w) | fromJson -}}
    {{- $targets = append $targets (merge (dict "url" $u "where" $w) $target) -}}
  {{- end -}}
  {{- $explicit := include "netpol._peer.explicit" . | fromJson -}}
  {{- if and $explicit.items (gt (len $urls) 1) -}}
    {{- $msg := print "%s: cidrs are the addresses of one URL, but the peer lists %d; "
        "give each URL its own peer with its cidrs" -}}
    {{- fail (printf $msg .where (len $urls)) -}}
  {{- end -}}
  {{- $byName := include "netpol._peer.byName" . -}}
  {{- $rules := list -}}
  {{- $cilium := list -}}
  {{- range $t := $targets -}}
    {{- $ports := $.ports | default (list (dict "port" (int $t.port) "protocol" "TCP")) -}}
    {{- $name := include "netpol._host.name" (dict "host" $t.host "where" $t.where) | fromJson -}}
    {{- $input := dict "name" $name "byName" $byName "ports" $ports -}}
    {{- $cilium = concat $cilium (include "netpol._peer.urlByName" $input | fromJson).items -}}
    {{- $peers := $explicit.items -}}
    {{- $note := $explicit.note -}}
    {{- if and (not $peers) (or (not $byName) $name.literal $.peer.addressFallback) -}}
      {{- $input := dict "host" $t.host "where" $t.where "cidrsValue" $explicit.value "name" $name -}}
      {{- $b := include "netpol._host.block" $input | fromJson -}}
      {{- $peers = list (dict "ipBlock" $b.ipBlock) -}}
      {{- $note = printf "%s: %s" $t.url $b.note -}}
    {{- end -}}
    {{- if $peers -}}
      {{- $rules = append $rules (dict "peers" $peers "ports" $ports "allowAll" false "notes" (list $note)) -}}
    {{- end -}}
  {{- end -}}
  {{- toJson (dict "peers" list "rules" $rules "notes" list "cilium" $cilium) -}}
{{- end -}}

{{/*
netpol._peer.urlByName: a URL's host by name, when names are enforced by name and the host is no address.
Params:
  - name - Map - Required. What netpol._host.name gave for the host.
  - byName - String - Required. What netpol._peer.byName gave.
  - ports - List - Required. The ports of the URL's rule.
Output: JSON {"items": [] or [the Cilium rule]}
*/}}
{{- define "netpol._peer.urlByName" -}}
  {{- $items := list -}}
  {{- if and .byName (not .name.literal) -}}
    {{- $items = list (include "netpol._cilium.byName" (dict "names" (list .name.host) "ports" .ports) | fromJson) -}}
  {{- end -}}
  {{- toJson (dict "items" $items) -}}
{{- end -}}

{{/*
netpol._peer.explicit: the cidrs written beside hosts or urls. Explicit addresses win over
resolving (GitOps tools cannot resolve names), so when they are given nothing is resolved.
Params:
  - peer - Map - Required. The hosts or urls peer: its cidrs and explicitValue.
  - where - String - Required. The value path of the peer, named in messages.
  - paths - Map - Required. The peer's valuePaths (cidrs: the value path of the explicit addresses).
Output: JSON {"items": [ipBlock peers], "note": "from PATH", "value": PATH of the cidrs}
*/}}
{{- define "netpol._peer.explicit" -}}
  {{- $value := .peer.explicitValue | default (get .paths "cidrs") | default (printf "%s.cidrs" .where) | toString -}}
  {{- $blocks := include "netpol._cidr.blocks" (dict "cidrs" .peer.cidrs "where" $value) | fromJson -}}
  {{- toJson (dict "items" $blocks.items "note" (printf "from %s" $value) "value" $value) -}}
{{- end -}}

{{/*
netpol._peer.hostNetwork: callers on the host network (the API server calling a webhook),
which pod and namespace selectors cannot name: OpenShift's host-network namespace label,
the callers' addresses, or (apiServer: true, on cilium) the API server's own calls.
Params:
  - peer - Map - Required. {hostNetwork: {openshift: true}, {apiServer: true} or {cidrs: [...]}}.
  - where - String - Required. The value path of the peer, named in messages.
  - named - Bool - Required. Whether the peer has a where of its own (then messages name it as is).
  - ports - List - Optional. The rule's ports (for the Cilium rule).
  - direction - String - Required. "ingress" or "egress".
  - dataplane - String - Required. kubernetes, cilium or openshift.
Output: JSON {"peers": [peer...], "rules": [], "notes": [...], "cilium": [...]}
*/}}
{{- define "netpol._peer.hostNetwork" -}}
  {{- $hn := .peer.hostNetwork -}}
  {{- if not (kindIs "map" $hn) -}}
    {{- fail (printf "%s.hostNetwork: write {openshift: true}, {apiServer: true} or {cidrs: [...]}" .where) -}}
  {{- end -}}
  {{- range $key, $_ := $hn -}}
    {{- if not (has $key (list "openshift" "apiServer" "cidrs")) -}}
      {{- $msg := "%s.hostNetwork: unknown key %q; write {openshift: true}, {apiServer: true} or {cidrs: [...]}" -}}
      {{- fail (printf $msg $.where $key) -}}
    {{- end -}}
  {{- end -}}
  {{- range $key := list "openshift" "apiServer" -}}
    {{- /* only the boolean true selects the host network: "false" from --set-string must not */ -}}
    {{- $v := index $hn $key -}}
    {{- if not (or (kindIs "bool" $v) (kindIs "invalid" $v)) -}}
      {{- $msg := print "%s.hostNetwork.%s: %q is a %s, not a boolean; write %s: true or false without quotes" -}}
      {{- fail (printf $msg $.where $key (toString $v) (kindOf $v) $key) -}}
    {{- end -}}
  {{- end -}}
  {{- $given := list -}}
  {{- range $key := list "openshift" "apiServer" "cidrs" -}}
    {{- if get $hn $key -}}{{- $given = append $given $key -}}{{- end -}}
  {{- end -}}
  {{- if ne (len $given) 1 -}}
    {{- $msg := "%s.hostNetwork: give exactly one of openshift: true, apiServer: true or a non-empty cidrs list" -}}
    {{- fail (printf $msg .where) -}}
  {{- end -}}
  {{- include (printf "netpol._peer.hostNetwork.%s" (first $given)) . -}}
{{- end -}}

{{/*
netpol._peer.hostNetwork.openshift: OpenShift's host-network namespace label, which no
other dataplane sets (on cilium it would select nothing, so it is refused).
Params: as netpol._peer.hostNetwork.
Output: JSON {"peers": [peer], "rules": [], "notes": [...]}
*/}}
{{- define "netpol._peer.hostNetwork.openshift" -}}
  {{- if eq .dataplane "cilium" -}}
    {{- $msg := print "%s.hostNetwork.openshift: OpenShift's host-network namespace label does not exist "
        "on the cilium dataplane; write hostNetwork: {apiServer: true} for the API server's calls" -}}
    {{- fail (printf $msg .where) -}}
  {{- end -}}
  {{- $labels := dict "policy-group.network.openshift.io/host-network" "" -}}
  {{- $peer := dict "namespaceSelector" (dict "matchLabels" $labels) -}}
  {{- $note := print "host-network callers (the API server) on OpenShift, selected by the "
      "policy-group.network.openshift.io/host-network namespace label" -}}
  {{- toJson (dict "peers" (list $peer) "rules" list "notes" (list $note)) -}}
{{- end -}}

{{/*
netpol._peer.hostNetwork.apiServer: the API server's calls, where the dataplane can name
them apart from other host-network traffic: on cilium, the kube-apiserver entity (which
Cilium does not give to ingress on AKS, EKS and GKE, whose control planes are not nodes of
the cluster: Cilium's "Entities Based" docs). OpenShift's host-network namespace holds
every host-network caller, so it is refused there rather than allow more than was asked.
Params: as netpol._peer.hostNetwork.
Output: JSON {"peers": [], "rules": [], "notes": [], "cilium": [rule]}
*/}}
{{- define "netpol._peer.hostNetwork.apiServer" -}}
  {{- if ne .dataplane "cilium" -}}
    {{- $why := dict
        "openshift" (print "OpenShift's host-network namespace also holds every other host-network caller; "
          "write hostNetwork: {openshift: true} if all of them are meant")
        "kubernetes" (print "a NetworkPolicy cannot name them on the kubernetes dataplane; "
          "set the dataplane to cilium, or give the callers' addresses as hostNetwork: {cidrs: [...]}") -}}
    {{- fail (printf "%s.hostNetwork.apiServer: %s" .where (get $why .dataplane)) -}}
  {{- end -}}
  {{- $on := ternary "every port" (include "netpol._text.ports" .ports) (not .ports) -}}
  {{- $way := ternary "from" "to" (eq .direction "ingress") -}}
  {{- $note := printf "%s the API server (the kube-apiserver entity), %s" $way $on -}}
  {{- $input := dict "direction" .direction "ports" .ports "note" $note -}}
  {{- $rule := include "netpol._cilium.entity" $input | fromJson -}}
  {{- toJson (dict "peers" list "rules" list "notes" list "cilium" (list $rule)) -}}
{{- end -}}

{{/*
netpol._peer.hostNetwork.cidrs: the callers' addresses, as ipBlocks.
Params: as netpol._peer.hostNetwork.
Output: JSON {"peers": [peer...], "rules": [], "notes": []}
*/}}
{{- define "netpol._peer.hostNetwork.cidrs" -}}
  {{- $w := printf "%s.%scidrs" .where (ternary "" "hostNetwork." .named) -}}
  {{- if not (kindIs "slice" .peer.hostNetwork.cidrs) -}}
    {{- fail (printf "%s: give a list of CIDRs" $w) -}}
  {{- end -}}
  {{- $blocks := include "netpol._cidr.blocks" (dict "cidrs" .peer.hostNetwork.cidrs "where" $w) | fromJson -}}
  {{- toJson (dict "peers" $blocks.items "rules" list "notes" list) -}}
{{- end -}}

{{/*
netpol._peer.component: the podSelector of another component of the release.
Params:
  - peer - Map - Required. {component: NAME}.
  - where - String - Required. The value path of the peer, named in messages.
  - components - Map - Optional. {NAME: podSelector} of the release's components.
  - ctx - Context - Required. The chart's root context.
Output: JSON {"peers": [peer], "rules": [], "notes": [...]}
*/}}
{{- define "netpol._peer.component" -}}
  {{- $name := toString .peer.component -}}
  {{- $components := .components | default dict -}}
  {{- if not (hasKey $components $name) -}}
    {{- fail (printf "%s.component: %q is not a component of this release; known components: %s"
        .where $name (join ", " (keys $components | sortAlpha))) -}}
  {{- end -}}
  {{- $input := dict "value" (get $components $name) "where" (printf "components.%s.podSelector" $name)
      "kind" "pods" "ctx" .ctx -}}
  {{- $selector := include "netpol._selector" $input | fromJson -}}
  {{- $note := printf "component %s" $name -}}
  {{- toJson (dict "peers" (list (dict "podSelector" $selector)) "rules" list "notes" (list $note)) -}}
{{- end -}}
