{{/*
The chart's NetworkPolicies (templates/networkpolicies.yaml), as specs for the netpol
library: one per component, named PREFIX-COMPONENT, then the namespace-wide policies
namespaceDefaults asks for.
*/}}

{{/*
network-policies.componentPolicies: the policy of each component that has one, in the
order of the components' names.
Params:
  - . - Context - Required. The chart's root context.
Output: NetworkPolicy documents, each after a "---" line
*/}}
{{- define "network-policies.componentPolicies" -}}
  {{- $prefix := include "network-policies.prefix" . -}}
  {{- $labels := include "network-policies.labels" . | fromYaml -}}
  {{- $components := .Values.components | default dict -}}
  {{- /* Every declared component resolves as a peer, so a typo fails instead of vanishing. */ -}}
  {{- $selectors := dict -}}
  {{- range $name, $c := $components -}}
    {{- $_ := set $selectors $name $c.podSelector -}}
  {{- end -}}
  {{- range $name, $c := $components -}}
    {{- include "network-policies.componentPolicy" (dict "ctx" $ "name" $name "component" $c "prefix" $prefix
        "labels" $labels "components" $components "selectors" $selectors) -}}
  {{- end -}}
{{- end -}}

{{/*
network-policies.componentPolicy: a component's policy, unless the component is disabled
or brings its own (see network-policies.deployed).
Params:
  - ctx - Context - Required. The chart's root context.
  - name - String - Required. The component's name.
  - component - Map - Required. The component's values.
  - prefix - String - Required. The policy name prefix (network-policies.prefix).
  - labels - Map - Required. The policy's labels.
  - components - Map - Required. Every component's values: rules naming this one are mirrored.
  - selectors - Map - Required. {NAME: podSelector} of every component, for component peers.
Output: "---" and the NetworkPolicy, or nothing
*/}}
{{- define "network-policies.componentPolicy" -}}
  {{- $c := .component -}}
  {{- if not (kindIs "map" $c) -}}
    {{- fail (printf "components.%s: %v is not a component; write {podSelector: ..., ingress: [...], egress: [...]}"
        .name $c) -}}
  {{- end -}}
  {{- if include "network-policies.deployed" $c -}}
    {{- $where := printf "components.%s" .name -}}
    {{- $dataplane := include "network-policies.dataplane" .ctx -}}
    {{- $spec := dict "name" (printf "%s-%s" .prefix .name) "labels" .labels "podSelector" $c.podSelector
        "where" $where "components" .selectors "ctx" .ctx "dataplane" $dataplane "dataplaneWhere" "dataplane" -}}
    {{- $mirrored := include "network-policies.mirrored" (dict "name" .name "components" .components) | fromJson -}}
    {{- range $direction := list "ingress" "egress" -}}
      {{- $input := dict "component" $c "direction" $direction "where" $where "mirrored" $mirrored
          "dataplane" $dataplane -}}
      {{- $rules := include "network-policies.rules" $input | fromJson -}}
      {{- if $rules.governed -}}{{- $_ := set $spec $direction $rules.items -}}{{- end -}}
    {{- end }}
---
{{ include "netpol.policy" $spec }}
  {{- end -}}
{{- end -}}

{{/*
network-policies.deployed: whether the chart renders a component's policy: not when the
component is disabled (enabled: false) or brings its own (deployNetworkPolicy: false).
Params:
  - . - Map - Required. The component's values.
Output: "true", or nothing
*/}}
{{- define "network-policies.deployed" -}}
  {{- if and (ne (toString .enabled) "false") (ne (toString .deployNetworkPolicy) "false") -}}true{{- end -}}
{{- end -}}

{{/*
network-policies.defaultPolicies: the namespace-wide policies namespaceDefaults asks for,
each for every pod in the namespace. One may not take the name of a component's policy:
one name twice would replace the first on install.
Params:
  - . - Context - Required. The chart's root context.
Output: NetworkPolicy documents, each after a "---" line
*/}}
{{- define "network-policies.defaultPolicies" -}}
  {{- $prefix := include "network-policies.prefix" . -}}
  {{- $labels := include "network-policies.labels" . | fromYaml -}}
  {{- $names := include "network-policies.policyNames" . | fromJson -}}
  {{- with .Values.namespaceDefaults -}}
    {{- range $d := include "network-policies.namespaceDefaults" . | fromJson | dig "items" list -}}
      {{- $policy := printf "%s-%s" $prefix $d.policy -}}
      {{- $at := printf "namespaceDefaults.%s" $d.value -}}
      {{- if hasKey $names $policy -}}
        {{- $msg := print "%s: its policy %s has the name of the policy of %s, "
            "and one would replace the other on install; rename the component, or set namePrefix" -}}
        {{- fail (printf $msg (get $names $policy) $policy $at) -}}
      {{- end -}}
      {{- $spec := dict "name" $policy "labels" $labels "podSelector" "*" "where" $at "ctx" $ -}}
      {{- $_ := set $spec $d.direction $d.rules }}
---
{{ include "netpol.policy" $spec }}
    {{- end -}}
  {{- end -}}
{{- end -}}

{{/*
network-policies.policyNames: the names of the components' policies, each with the value
that asks for it.
Params:
  - . - Context - Required. The chart's root context.
Output: JSON {POLICY-NAME: "components.NAME"}
*/}}
{{- define "network-policies.policyNames" -}}
  {{- $prefix := include "network-policies.prefix" . -}}
  {{- $names := dict -}}
  {{- range $name, $c := .Values.components | default dict -}}
    {{- if and (kindIs "map" $c) (include "network-policies.deployed" $c) -}}
      {{- $_ := set $names (printf "%s-%s" $prefix $name) (printf "components.%s" $name) -}}
    {{- end -}}
  {{- end -}}
  {{- toJson $names -}}
{{- end -}}

{{/*
network-policies.webhookRule: the webhook ingress rule of a component: the API server
calls webhooks from the host network, which selectors cannot name; "anywhere" is the
products' default.
Params:
  - webhook - Map - Required. {port, mode, cidrs}.
  - dataplane - String - Required. The effective dataplane (network-policies.dataplane): the default
      mode is openshift on openshift, else anywhere.
  - where - String - Required. The value path of the component.
Output: JSON rule
*/}}
{{- define "network-policies.webhookRule" -}}
  {{- $w := .webhook -}}
  {{- $at := printf "%s.webhook" .where -}}
  {{- if not (kindIs "map" $w) -}}
    {{- $msg := print "%s: %v is not a webhook; "
        "write {port: 8443, mode: anywhere|openshift|apiServer|cidrs, cidrs: [...]}" -}}
    {{- fail (printf $msg $at $w) -}}
  {{- end -}}
  {{- $mode := default (ternary "openshift" "anywhere" (eq .dataplane "openshift")) $w.mode -}}
  {{- $r := dict "name" "webhook" "ports" (list (default 8443 $w.port)) "where" $at -}}
  {{- if eq $mode "anywhere" -}}
    {{- $_ := set $r "allowAll" true -}}
  {{- else if eq $mode "openshift" -}}
    {{- $_ := set $r "from" (list (dict "hostNetwork" (dict "openshift" true) "where" $at)) -}}
  {{- else if eq $mode "apiServer" -}}
    {{- $_ := set $r "from" (list (dict "hostNetwork" (dict "apiServer" true) "where" $at)) -}}
  {{- else if eq $mode "cidrs" -}}
    {{- if not $w.cidrs -}}{{- fail (printf "%s.cidrs: mode cidrs needs at least one CIDR" $at) -}}{{- end -}}
    {{- $_ := set $r "from" (list (dict "hostNetwork" (dict "cidrs" $w.cidrs) "where" $at)) -}}
  {{- else -}}
    {{- fail (printf "%s.mode: %q is not anywhere, openshift, apiServer or cidrs" $at $mode) -}}
  {{- end -}}
  {{- toJson $r -}}
{{- end }}

{{/*
network-policies.webhookNote: a component's webhook in words, for NOTES.txt.
Params:
  - component - Map - Required. The component's values.
  - ctx - Context - Required. The chart's root context (its dataplane sets the default mode).
Output: " (webhook port PORT, mode MODE)", or nothing when the component has no webhook map
*/}}
{{- define "network-policies.webhookNote" -}}
  {{- $w := .component.webhook -}}
  {{- if and (kindIs "map" $w) $w -}}
    {{- $dataplane := include "network-policies.dataplane" .ctx -}}
    {{- $mode := default (ternary "openshift" "anywhere" (eq $dataplane "openshift")) $w.mode -}}
    {{- printf " (webhook port %v, mode %v)" (default 8443 $w.port) $mode -}}
  {{- end -}}
{{- end }}

{{/*
network-policies.namespaceDefaults: the namespace-wide policies namespaceDefaults asks for.
Deny-all has no rules; allow-all has one rule that says allowAll.
Params:
  - . - Map - Required. The namespaceDefaults value.
Output: JSON {"items": [{value, policy (name suffix), direction, rules, note (for NOTES.txt)}]}
*/}}
{{- define "network-policies.namespaceDefaults" -}}
  {{- $all := list (dict "name" "all" "allowAll" true) -}}
  {{- $items := list -}}
  {{- range $d := list
      (dict "value" "denyAllIngress" "policy" "default-deny-ingress" "direction" "ingress" "rules" list
        "note" "every pod in the namespace refuses ingress unless another policy allows it")
      (dict "value" "denyAllEgress" "policy" "default-deny-egress" "direction" "egress" "rules" list
        "note" "every pod in the namespace sends nothing unless another policy allows it (including DNS)")
      (dict "value" "allowAllIngress" "policy" "default-allow-ingress" "direction" "ingress" "rules" $all
        "note" "every pod accepts all ingress")
      (dict "value" "allowAllEgress" "policy" "default-allow-egress" "direction" "egress" "rules" $all
        "note" "every pod may send anywhere") -}}
    {{- if eq (toString (get $ $d.value)) "true" -}}{{- $items = append $items $d -}}{{- end -}}
  {{- end -}}
  {{- toJson (dict "items" $items) -}}
{{- end }}

{{/*
network-policies.rules: a component's rules of one direction, ready for the library: the
webhook rule first (ingress), then its own rules, then those mirrored from other
components' `component` peers. Governed when the component lists the direction (even as
[]) or gains rules in it.
Params:
  - component - Map - Required. The component's values.
  - direction - String - Required. "ingress" or "egress".
  - where - String - Required. The value path of the component.
  - mirrored - Map - Required. What network-policies.mirrored gives for the component.
  - dataplane - String - Required. The effective dataplane.
Output: JSON {"items": [rule...], "governed": bool}
*/}}
{{- define "network-policies.rules" -}}
  {{- $rules := list -}}
  {{- range $i, $r := (get .component .direction) | default list -}}
    {{- $input := dict "rule" $r "where" (printf "%s.%s[%d]" $.where $.direction $i) "dataplane" $.dataplane -}}
    {{- $rules = append $rules (include "network-policies.rule" $input | fromJson) -}}
  {{- end -}}
  {{- if and (eq .direction "ingress") .component.webhook -}}
    {{- $input := dict "webhook" .component.webhook "dataplane" .dataplane "where" .where -}}
    {{- $rules = prepend $rules (include "network-policies.webhookRule" $input | fromJson) -}}
  {{- end -}}
  {{- $rules = concat $rules (get .mirrored .direction) -}}
  {{- toJson (dict "items" $rules "governed" (or (hasKey .component .direction) (not (empty $rules)))) -}}
{{- end }}

{{/*
network-policies.mirrored: the rules a component gains from other components' `component`
peers: an egress rule on A naming B becomes an ingress rule on B from A (same ports), and
the other way.
Params:
  - name - String - Required. The component's name.
  - components - Map - Required. Every component's values.
Output: JSON {"ingress": [rule...], "egress": [rule...]}
*/}}
{{- define "network-policies.mirrored" -}}
  {{- $out := dict "ingress" list "egress" list -}}
  {{- $me := .name -}}
  {{- $ways := list (dict "rules" "egress" "peers" "to" "becomes" "ingress" "listing" "from")
      (dict "rules" "ingress" "peers" "from" "becomes" "egress" "listing" "to") -}}
  {{- range $src, $c := .components -}}
    {{- if and (ne $src $me) (ne (toString $c.enabled) "false") -}}
      {{- range $way := $ways -}}
        {{- $input := dict "name" $me "source" $src "component" $c "way" $way -}}
        {{- $found := (include "network-policies.mirroredFrom" $input | fromJson).items -}}
        {{- if $found -}}{{- $_ := set $out $way.becomes (concat (get $out $way.becomes) $found) -}}{{- end -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
  {{- toJson $out -}}
{{- end }}

{{/*
network-policies.mirroredFrom: the rules of one component, of one direction, that name
another component as a peer, turned around.
Params:
  - name - String - Required. The component the rules name.
  - source - String - Required. The name of the component whose rules are read.
  - component - Map - Required. Its values.
  - way - Map - Required. {rules: direction read, peers: its peer key, becomes: direction
      gained, listing: its peer key}.
Output: JSON {"items": [rule...]}
*/}}
{{- define "network-policies.mirroredFrom" -}}
  {{- $way := .way -}}
  {{- $items := list -}}
  {{- range $i, $rule := (get .component $way.rules) | default list -}}
    {{- if kindIs "map" $rule -}}
      {{- range $peer := (get $rule $way.peers) | default list -}}
        {{- if and (kindIs "map" $peer) (eq (toString $peer.component) $.name) -}}
          {{- $from := ternary "from" "to" (eq $way.becomes "ingress") -}}
          {{- $name := printf "%s-%s-%s" $from $.source (default (toString $i) $rule.name) -}}
          {{- $where := printf "components.%s.%s[%d] (mirrored)" $.source $way.rules $i -}}
          {{- $m := dict "name" $name $way.listing (list (dict "component" $.source)) "where" $where -}}
          {{- if $rule.ports -}}{{- $_ := set $m "ports" $rule.ports -}}{{- end -}}
          {{- $items = append $items $m -}}
        {{- end -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
  {{- toJson (dict "items" $items) -}}
{{- end }}

{{/*
network-policies.rule: a user rule ready for the library: its value path, and `dns` peers
that name no preset get the dataplane's (openshift -> OpenShift's DNS on 5353, else
kube-dns on 53).
Params:
  - rule - Any - Required. The rule as written (what is not a map is handed on for the library to refuse).
  - where - String - Required. The value path of the rule.
  - dataplane - String - Required. The effective dataplane.
Output: JSON rule
*/}}
{{- define "network-policies.rule" -}}
  {{- $r := .rule -}}
  {{- if kindIs "map" $r -}}
    {{- $r = deepCopy $r -}}
    {{- $_ := set $r "where" .where -}}
    {{- $preset := ternary "openshift" "kubernetes" (eq .dataplane "openshift") -}}
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
