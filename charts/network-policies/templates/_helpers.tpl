{{/* Policy name prefix: namePrefix, or the release name. */}}
{{- define "network-policies.prefix" -}}
{{- default .Release.Name .Values.namePrefix | trunc 40 | trimSuffix "-" -}}
{{- end }}

{{- define "network-policies.labels" -}}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/*
The webhook ingress rule of a component: the API server calls webhooks from the
host network, which selectors cannot name; "anywhere" is the products' default.
*/}}
{{- define "network-policies.webhookRule" -}}
{{- $w := .webhook -}}
{{- $at := printf "%s.webhook" .where -}}
{{- if not (kindIs "map" $w) -}}
{{- fail (printf "%s: %v is not a webhook; write {port: 8443, mode: anywhere|openshift|cidrs, cidrs: [...]}" $at $w) -}}
{{- end -}}
{{- $mode := default (ternary "openshift" "anywhere" (eq (toString .openshift) "true")) $w.mode -}}
{{- $r := dict "name" "webhook" "ports" (list (default 8443 $w.port)) "where" $at -}}
{{- if eq $mode "anywhere" -}}
{{- $_ := set $r "allowAll" true -}}
{{- else if eq $mode "openshift" -}}
{{- $_ := set $r "from" (list (dict "hostNetwork" (dict "openshift" true) "where" $at)) -}}
{{- else if eq $mode "cidrs" -}}
{{- if not $w.cidrs -}}{{- fail (printf "%s.cidrs: mode cidrs needs at least one CIDR" $at) -}}{{- end -}}
{{- $_ := set $r "from" (list (dict "hostNetwork" (dict "cidrs" $w.cidrs) "where" $at)) -}}
{{- else -}}
{{- fail (printf "%s.mode: %q is not anywhere, openshift or cidrs" $at $mode) -}}
{{- end -}}
{{- toJson $r -}}
{{- end }}

{{/*
The namespace-wide policies namespaceDefaults asks for (this dict is namespaceDefaults):
{"items": [{value, policy (name suffix), direction, rules}]}. Deny-all has no rules;
allow-all has one rule that says allowAll.
*/}}
{{- define "network-policies.namespaceDefaults" -}}
{{- $all := list (dict "name" "all" "allowAll" true) -}}
{{- $items := list -}}
{{- range $d := list
    (dict "value" "denyAllIngress" "policy" "default-deny-ingress" "direction" "ingress" "rules" list)
    (dict "value" "denyAllEgress" "policy" "default-deny-egress" "direction" "egress" "rules" list)
    (dict "value" "allowAllIngress" "policy" "default-allow-ingress" "direction" "ingress" "rules" $all)
    (dict "value" "allowAllEgress" "policy" "default-allow-egress" "direction" "egress" "rules" $all) -}}
{{- if eq (toString (get $ $d.value)) "true" -}}{{- $items = append $items $d -}}{{- end -}}
{{- end -}}
{{- toJson (dict "items" $items) -}}
{{- end }}

{{/*
A component's rules of one direction, ready for the library: the webhook rule first (ingress),
then its own rules, then those mirrored from other components' `component` peers.
Output: {"items": [...], "governed": bool}; governed when the component lists the direction
(even as []) or gains rules in it.
*/}}
{{- define "network-policies.rules" -}}
{{- $rules := list -}}
{{- range $i, $r := (get .component .direction) | default list -}}
{{- $rules = append $rules (include "network-policies.rule" (dict "rule" $r "where" (printf "%s.%s[%d]" $.where $.direction $i) "openshift" $.openshift) | fromJson) -}}
{{- end -}}
{{- if and (eq .direction "ingress") .component.webhook -}}
{{- $rules = prepend $rules (include "network-policies.webhookRule" (dict "webhook" .component.webhook "openshift" .openshift "where" .where) | fromJson) -}}
{{- end -}}
{{- $rules = concat $rules (get .mirrored .direction) -}}
{{- toJson (dict "items" $rules "governed" (or (hasKey .component .direction) (not (empty $rules)))) -}}
{{- end }}

{{/*
Rules a component gains from other components' `component` peers: an egress rule
on A naming B becomes an ingress rule on B from A (same ports), and the other way.
Output: {"ingress": [...], "egress": [...]} for component .name.
*/}}
{{- define "network-policies.mirrored" -}}
{{- $out := dict "ingress" list "egress" list -}}
{{- $me := .name -}}
{{- $ways := list (dict "rules" "egress" "peers" "to" "becomes" "ingress" "listing" "from") (dict "rules" "ingress" "peers" "from" "becomes" "egress" "listing" "to") -}}
{{- range $src, $c := .components -}}
{{- if and (ne $src $me) (ne (toString $c.enabled) "false") -}}
{{- range $way := $ways -}}
{{- range $i, $rule := (get $c $way.rules) | default list -}}
{{- if kindIs "map" $rule -}}
{{- range $peer := (get $rule $way.peers) | default list -}}
{{- if and (kindIs "map" $peer) (eq (toString $peer.component) $me) -}}
{{- $m := dict "name" (printf "%s-%s-%s" (ternary "from" "to" (eq $way.becomes "ingress")) $src (default (toString $i) $rule.name)) $way.listing (list (dict "component" $src)) "where" (printf "components.%s.%s[%d] (mirrored)" $src $way.rules $i) -}}
{{- if $rule.ports -}}{{- $_ := set $m "ports" $rule.ports -}}{{- end -}}
{{- $_ := set $out $way.becomes (append (get $out $way.becomes) $m) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end }}

{{/*
A user rule ready for the library: its value path, and `dns` peers that name no preset
get the platform's (`openshift: true` -> openshift DNS on 5353, else kube-dns on 53).
*/}}
{{- define "network-policies.rule" -}}
{{- $r := .rule -}}
{{- if kindIs "map" $r -}}
{{- $r = deepCopy $r -}}
{{- $_ := set $r "where" .where -}}
{{- $preset := ternary "openshift" "kubernetes" (eq (toString .openshift) "true") -}}
{{- range $key := list "to" "from" -}}
{{- if kindIs "slice" (get $r $key) -}}
{{- $peers := list -}}
{{- range $p := get $r $key -}}
{{- if and (kindIs "map" $p) (hasKey $p "dns") -}}
{{- if eq (toString $p.dns) "true" -}}
{{- $_ := set $p "dns" $preset -}}
{{- else if and (kindIs "map" $p.dns) (not $p.dns.preset) -}}
{{- $_ := set $p.dns "preset" $preset -}}
{{- end -}}
{{- end -}}
{{- $peers = append $peers $p -}}
{{- end -}}
{{- $_ := set $r $key $peers -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $r -}}
{{- end }}
