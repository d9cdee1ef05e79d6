{{/*
Cilium (internal): what the cilium dataplane adds beside a NetworkPolicy. On Cilium an
ipBlock does not select the API server, nodes or host-network callers (only addresses
outside the cluster; "Limitations" in Cilium's network policy docs, and the
policy-cidr-match-mode option), and a host name can be enforced by name (toFQDNs) rather
than by the address it had at install. These templates say those peers as a
CiliumNetworkPolicy (cilium.io/v2) that only adds allows: enableDefaultDeny is off in both
directions, so it never isolates a pod or a direction the NetworkPolicy leaves alone.
Sources: cilium/cilium Documentation/security/policy/language.rst (Entities Based,
DNS based, enableDefaultDeny) and pkg/policy/api (the rule types).
*/}}

{{/*
netpol._cilium.entity: the API server as a Cilium peer, on the given ports.
Params:
  - direction - String - Required. "ingress" (its calls to the pod) or "egress" (the pod's calls to it).
  - ports - List - Optional. NetworkPolicy ports, already checked; none means every port.
  - note - String - Required. The rule in words.
Output: JSON {"rule": CiliumNetworkPolicy rule, "note": ..., "byName": false}
The kube-apiserver entity is the API server wherever it runs: outside the cluster, or on
control-plane nodes, whose identity it then shares (so on every port it would be the nodes).
*/}}
{{- define "netpol._cilium.entity" -}}
  {{- $rule := dict (ternary "fromEntities" "toEntities" (eq .direction "ingress")) (list "kube-apiserver") -}}
  {{- include "netpol._cilium.withPorts" (dict "rule" $rule "ports" .ports "note" .note "byName" false) -}}
{{- end -}}

{{/*
netpol._cilium.byName: hosts by name (toFQDNs matchName), on the given ports. Cilium
allows the addresses its DNS proxy saw in the answers to the pod's own lookups, so the
policy also needs a DNS rule (netpol._cilium.dnsRules), and nothing is resolved at install.
Params:
  - names - List - Required. Host names, already checked (no IP literals).
  - ports - List - Optional. NetworkPolicy ports, already checked; none means every port.
Output: JSON {"rule": CiliumNetworkPolicy rule, "note": ..., "byName": true}
*/}}
{{- define "netpol._cilium.byName" -}}
  {{- $fqdns := list -}}
  {{- range $n := .names -}}{{- $fqdns = append $fqdns (dict "matchName" (lower (trimSuffix "." $n))) -}}{{- end -}}
  {{- $on := ternary "every port" (include "netpol._text.ports" .ports) (not .ports) -}}
  {{- $note := printf "%s by name (toFQDNs: the addresses Cilium sees the pod look up), %s" (join ", " .names) $on -}}
  {{- $input := dict "rule" (dict "toFQDNs" $fqdns) "ports" .ports "note" $note "byName" true -}}
  {{- include "netpol._cilium.withPorts" $input -}}
{{- end -}}

{{/*
netpol._cilium.withPorts: a Cilium rule with its toPorts from NetworkPolicy ports.
Params:
  - rule - Map - Required. The rule's peer part (toEntities, toFQDNs, ...).
  - ports - List - Optional. NetworkPolicy ports ({port, endPort, protocol}); none means every port.
  - note - String - Required. The rule in words.
  - byName - Bool - Required. Whether the rule is by name (toFQDNs).
  - dns - Bool - Optional. Add the DNS rule that lets Cilium's DNS proxy see every lookup.
Output: JSON {"rule": ..., "note": ..., "byName": bool}
Cilium writes ports as strings; a NetworkPolicy port without a number (every port of a
protocol) is port "0", which Cilium reads the same way. One toPorts entry holds at most 40
ports (the CRD's and the agent's limit), so longer lists take several entries.
*/}}
{{- define "netpol._cilium.withPorts" -}}
  {{- $rule := deepCopy .rule -}}
  {{- $chunks := list -}}
  {{- $chunk := list -}}
  {{- range $p := .ports -}}
    {{- $c := dict "port" (toString ($p.port | default 0)) "protocol" $p.protocol -}}
    {{- if hasKey $p "endPort" -}}{{- $_ := set $c "endPort" (int $p.endPort) -}}{{- end -}}
    {{- $chunk = append $chunk $c -}}
    {{- if eq (len $chunk) 40 -}}{{- $chunks = append $chunks $chunk -}}{{- $chunk = list -}}{{- end -}}
  {{- end -}}
  {{- if $chunk -}}{{- $chunks = append $chunks $chunk -}}{{- end -}}
  {{- $toPorts := list -}}
  {{- range $ports := $chunks -}}
    {{- $entry := dict "ports" $ports -}}
    {{- if $.dns -}}{{- $_ := set $entry "rules" (dict "dns" (list (dict "matchPattern" "*"))) -}}{{- end -}}
    {{- $toPorts = append $toPorts $entry -}}
  {{- end -}}
  {{- if $toPorts -}}{{- $_ := set $rule "toPorts" $toPorts -}}{{- end -}}
  {{- toJson (dict "rule" $rule "note" .note "byName" .byName) -}}
{{- end -}}

{{/*
netpol._cilium.rules: a direction's Cilium rules, after the DNS rules Cilium needs when
some of them allow names (toFQDNs).
Params:
  - rules - List - Optional. The direction's Cilium rules ({rule, note, byName}).
  - dns - List - Optional. The direction's DNS rules as built ({peers, ports}).
  - where - String - Required. The value path of the policy, named in messages.
  - namespace - String - Required. The policy's namespace.
Output: JSON {"items": [{"rule", "note", "byName"}...]}
*/}}
{{- define "netpol._cilium.rules" -}}
  {{- $rules := .rules | default list -}}
  {{- $byName := false -}}
  {{- range $c := $rules -}}{{- $byName = or $byName $c.byName -}}{{- end -}}
  {{- if $byName -}}
    {{- $input := dict "rules" .dns "where" .where "namespace" .namespace -}}
    {{- $dns := include "netpol._cilium.dnsRules" $input | fromJson -}}
    {{- $rules = concat $dns.items $rules -}}
  {{- end -}}
  {{- toJson (dict "items" $rules) -}}
{{- end -}}

{{/*
netpol._cilium.dnsRules: the pod's DNS egress, said again for Cilium with a DNS rule, so
that Cilium's DNS proxy sees the lookups its toFQDNs rules depend on. It allows no more
than the NetworkPolicy's DNS rules it comes from: the same peers on the same ports; the
pattern "*" lets through every name the pod looks up, as the NetworkPolicy does.
Params:
  - rules - List - Required. The policy's DNS rules as built ({peers, ports}: NetworkPolicy peers).
  - where - String - Required. The value path of the policy, named in messages.
  - namespace - String - Required. The policy's namespace.
Output: JSON {"items": [{"rule", "note", "byName": false}...]}
Cilium does not combine endpoint and CIDR peers in one rule, so each peer is a rule.
*/}}
{{- define "netpol._cilium.dnsRules" -}}
  {{- if not .rules -}}
    {{- $msg := print "%s: hosts or urls peers are enforced by name on the cilium dataplane (toFQDNs), "
        "which allows only what Cilium sees the pod look up; add a dns peer to this policy's egress, "
        "or give the hosts' addresses (cidrs)" -}}
    {{- fail (printf $msg .where) -}}
  {{- end -}}
  {{- $items := list -}}
  {{- range $r := .rules -}}
    {{- range $p := $r.ports -}}
      {{- if or (hasKey $p "endPort") (not (has (toString $p.protocol) (list "TCP" "UDP"))) -}}
        {{- $msg := print "%s: Cilium's DNS rule, which names on the cilium dataplane need, takes single "
            "UDP or TCP ports, and the DNS port %s is not one; list the DNS ports one by one" -}}
        {{- fail (printf $msg $.where (include "netpol._text.ports" (list $p))) -}}
      {{- end -}}
    {{- end -}}
    {{- range $peer := $r.peers -}}
      {{- $input := dict "peer" $peer "namespace" $.namespace "where" $.where -}}
      {{- $rule := include "netpol._cilium.peer" $input | fromJson -}}
      {{- $who := include "netpol._text.peer" $peer -}}
      {{- $note := printf "DNS %s, seen by Cilium's DNS proxy (for the names allowed by name)" $who -}}
      {{- $input := dict "rule" $rule "ports" $r.ports "note" $note "byName" false "dns" true -}}
      {{- $items = append $items (include "netpol._cilium.withPorts" $input | fromJson) -}}
    {{- end -}}
  {{- end -}}
  {{- toJson (dict "items" $items) -}}
{{- end -}}

{{/*
netpol._cilium.peer: a NetworkPolicy egress peer as a Cilium rule's peer part: an ipBlock
as toCIDRSet; pods and namespaces as toEndpoints.
Params:
  - peer - Map - Required. A rendered NetworkPolicy peer.
  - namespace - String - Required. The policy's namespace.
  - where - String - Required. The value path of the policy, named in messages.
Output: JSON {"toCIDRSet": [...]} or {"toEndpoints": [selector]}
*/}}
{{- define "netpol._cilium.peer" -}}
  {{- if hasKey .peer "ipBlock" -}}
    {{- toJson (dict "toCIDRSet" (list .peer.ipBlock)) -}}
  {{- else -}}
    {{- toJson (dict "toEndpoints" (list (include "netpol._cilium.selector" . | fromJson))) -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._cilium.selector: a NetworkPolicy peer's podSelector and namespaceSelector as one
Cilium endpoint selector. Cilium sees a pod's labels as k8s:KEY, its namespace as
k8s:io.kubernetes.pod.namespace and its namespace's labels as
k8s:io.cilium.k8s.namespace.labels.KEY; keys are written with their k8s: source, so a pod
label can never pass for one of those (an unprefixed key means any source). The namespace
is always pinned: to the policy's own when the peer has no namespaceSelector, else with
"io.kubernetes.pod.namespace Exists" beside the namespace terms, since NotIn and
DoesNotExist also match identities without the label (the world, nodes), which no
namespaceSelector ever selects (pkg/k8s/apis/cilium.io/utils/utils.go getEndpointSelector;
pkg/labels).
Params:
  - peer - Map - Required. A rendered NetworkPolicy peer with podSelector and/or namespaceSelector.
  - namespace - String - Required. The policy's namespace.
  - where - String - Required. The value path of the policy, named in messages.
Output: JSON {matchLabels?, matchExpressions}
*/}}
{{- define "netpol._cilium.selector" -}}
  {{- $labels := dict -}}
  {{- $expressions := list -}}
  {{- range $k, $v := (dig "podSelector" "matchLabels" dict .peer) -}}
    {{- $_ := set $labels (include "netpol._cilium.podKey" (dict "key" $k "where" $.where)) $v -}}
  {{- end -}}
  {{- range $e := (dig "podSelector" "matchExpressions" list .peer) -}}
    {{- $key := include "netpol._cilium.podKey" (dict "key" $e.key "where" $.where) -}}
    {{- $expressions = append $expressions (merge (dict "key" $key) $e) -}}
  {{- end -}}
  {{- if hasKey .peer "namespaceSelector" -}}
    {{- range $k, $v := (dig "namespaceSelector" "matchLabels" dict .peer) -}}
      {{- $_ := set $labels (include "netpol._cilium.namespaceKey" $k) $v -}}
    {{- end -}}
    {{- range $e := (dig "namespaceSelector" "matchExpressions" list .peer) -}}
      {{- $expressions = append $expressions (merge (dict "key" (include "netpol._cilium.namespaceKey" $e.key)) $e) -}}
    {{- end -}}
    {{- $expressions = append $expressions (dict "key" "k8s:io.kubernetes.pod.namespace" "operator" "Exists") -}}
  {{- else -}}
    {{- $_ := set $labels "k8s:io.kubernetes.pod.namespace" .namespace -}}
  {{- end -}}
  {{- $out := dict "matchExpressions" $expressions -}}
  {{- if $labels -}}{{- $_ := set $out "matchLabels" $labels -}}{{- end -}}
  {{- if not $expressions -}}{{- $_ := unset $out "matchExpressions" -}}{{- end -}}
  {{- toJson $out -}}
{{- end -}}

{{/*
netpol._cilium.podKey: a pod label's key as Cilium sees it (k8s:KEY); refused when Cilium
keeps the key for itself (its namespace labels, io.cilium.*), where it would select something else.
Params:
  - key - String - Required. The pod label's key.
  - where - String - Required. The value path of the policy, named in messages.
Output: the key
*/}}
{{- define "netpol._cilium.podKey" -}}
  {{- if or (eq .key "io.kubernetes.pod.namespace") (hasPrefix "io.cilium." .key) -}}
    {{- $msg := "%s: the pod label key %q is one Cilium keeps for itself, so Cilium cannot select pods by it" -}}
    {{- fail (printf $msg .where .key) -}}
  {{- end -}}
  {{- printf "k8s:%s" .key -}}
{{- end -}}

{{/*
netpol._cilium.namespaceKey: a namespace label's key as Cilium sees it on a pod.
Params:
  - . - String - Required. The namespace label's key.
Output: the key
*/}}
{{- define "netpol._cilium.namespaceKey" -}}
  {{- if eq . "kubernetes.io/metadata.name" -}}
    {{- "k8s:io.kubernetes.pod.namespace" -}}
  {{- else -}}
    {{- printf "k8s:io.cilium.k8s.namespace.labels.%s" . -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._cilium.document: the CiliumNetworkPolicy of a build, under the NetworkPolicy's
name, labels and pods; nothing when the build has no Cilium rules.
Params:
  - ctx - Context - Required. The chart's root context.
  - built - Map - Required. A build (see netpol.policy.build) whose cilium holds the rules.
Output: the CiliumNetworkPolicy as YAML
*/}}
{{- define "netpol._cilium.document" -}}
  {{- $p := .built -}}
  {{- $spec := dict "endpointSelector" $p.podSelector "enableDefaultDeny" (dict "ingress" false "egress" false) -}}
  {{- range $direction := list "ingress" "egress" -}}
    {{- $rules := list -}}
    {{- range $c := (get $p.cilium $direction | default list) -}}{{- $rules = append $rules $c.rule -}}{{- end -}}
    {{- if $rules -}}{{- $_ := set $spec $direction $rules -}}{{- end -}}
  {{- end -}}
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: {{ $p.name }}
  namespace: {{ .ctx.Release.Namespace }}
  {{- with $p.labels }}
  labels:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- toYaml $spec | nindent 2 }}
{{- end -}}
