{{/*
netpol._dns (internal): the cluster DNS preset as egress rules.
Params:
  - dns - String|Map - Required. A preset name, or {preset, nodeLocalAddress, peers, ports}.
  - where - String - Required. The value path of the dns value, named in messages.
  - ctx - Context - Required. The chart's root context (custom peers may use tpl).
  - dataplane - String - Optional. Without a preset, the dataplane's DNS: openshift on openshift, else kubernetes.
Output: JSON {"items": [rule...]} where rule = {"peers", "ports", "notes"}
DNS needs UDP *and* TCP: answers over 512 bytes (and every DNSSEC or large SRV
answer) fall back to TCP, and a UDP-only rule breaks them silently.
*/}}
{{- define "netpol._dns" -}}
  {{- $spec := .dns -}}
  {{- if kindIs "string" $spec -}}{{- $spec = dict "preset" $spec -}}{{- end -}}
  {{- if not (kindIs "map" $spec) -}}
    {{- fail (printf "%s: %v is not a DNS preset; use kubernetes, openshift, nodelocal or custom" .where $spec) -}}
  {{- end -}}
  {{- $ownDns := ternary "openshift" "kubernetes" (eq (toString .dataplane) "openshift") -}}
  {{- $preset := toString ($spec.preset | default $ownDns) -}}
  {{- if not (has $preset (list "kubernetes" "openshift" "nodelocal" "custom")) -}}
    {{- $at := ternary .where (printf "%s.preset" .where) (kindIs "string" .dns) -}}
    {{- fail (printf "%s: unknown DNS preset %q; use kubernetes, openshift, nodelocal or custom" $at $preset) -}}
  {{- end -}}
  {{- include (printf "netpol._dns.%s" $preset) (dict "spec" $spec "where" .where "ctx" .ctx) -}}
{{- end -}}

{{/*
netpol._dns.kubernetes: kube-dns in kube-system, 53/UDP and 53/TCP.
Params: none.
Output: JSON {"items": [rule]}
*/}}
{{- define "netpol._dns.kubernetes" -}}
  {{- $ports := list (dict "port" 53 "protocol" "UDP") (dict "port" 53 "protocol" "TCP") -}}
  {{- $note := "cluster DNS: kube-dns pods in kube-system, 53/UDP and 53/TCP" -}}
  {{- $rule := dict "peers" (list (include "netpol._dns.kubeDns" . | fromJson)) "ports" $ports "notes" (list $note) -}}
  {{- toJson (dict "items" (list $rule)) -}}
{{- end -}}

{{/*
netpol._dns.openshift: the OpenShift DNS pods in openshift-dns, which listen on 5353.
Params: none.
Output: JSON {"items": [rule]}
*/}}
{{- define "netpol._dns.openshift" -}}
  {{- $peer := dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" "openshift-dns"))
      "podSelector" (dict "matchLabels" (dict "dns.operator.openshift.io/daemonset-dns" "default")) -}}
  {{- $ports := list (dict "port" 5353 "protocol" "UDP") (dict "port" 5353 "protocol" "TCP") -}}
  {{- $note := print "cluster DNS: OpenShift DNS pods in openshift-dns, 5353/UDP and 5353/TCP"
      " (the dns-default Service maps 53 to 5353)" -}}
  {{- toJson (dict "items" (list (dict "peers" (list $peer) "ports" $ports "notes" (list $note)))) -}}
{{- end -}}

{{/*
netpol._dns.nodelocal: NodeLocal DNSCache on its link-local address (host network, so an
ipBlock), then kube-dns as the fallback.
Params:
  - spec - Map - Required. The dns value; nodeLocalAddress defaults to 169.254.20.10.
  - where - String - Required. The value path of the dns value, named in messages.
Output: JSON {"items": [rule, rule]}
*/}}
{{- define "netpol._dns.nodelocal" -}}
  {{- $address := toString (.spec.nodeLocalAddress | default "169.254.20.10") -}}
  {{- $at := printf "%s.nodeLocalAddress" .where -}}
  {{- $block := include "netpol._cidr.ipBlock" (dict "cidr" $address "where" $at) | fromJson -}}
  {{- $ports := list (dict "port" 53 "protocol" "UDP") (dict "port" 53 "protocol" "TCP") -}}
  {{- $note := printf "NodeLocal DNSCache on %s (host network, so an ipBlock), 53/UDP and 53/TCP" $block.cidr -}}
  {{- $local := dict "peers" (list (dict "ipBlock" $block)) "ports" $ports "notes" (list $note) -}}
  {{- $note = "cluster DNS fallback: kube-dns pods in kube-system, 53/UDP and 53/TCP" -}}
  {{- $kubeDns := include "netpol._dns.kubeDns" . | fromJson -}}
  {{- $fallback := dict "peers" (list $kubeDns) "ports" $ports "notes" (list $note) -}}
  {{- toJson (dict "items" (list $local $fallback)) -}}
{{- end -}}

{{/*
netpol._dns.custom: the user's own DNS peers and ports, as one egress rule.
Params:
  - spec - Map - Required. The dns value: {preset: custom, peers, ports}.
  - where - String - Required. The value path of the dns value, named in messages.
  - ctx - Context - Required. The chart's root context.
Output: JSON {"items": [rule...]}
*/}}
{{- define "netpol._dns.custom" -}}
  {{- if not .spec.peers -}}
    {{- $msg := print "%s.peers: the custom DNS preset needs at least one peer"
        " (for example {namespaces: {names: [dns]}, pods: {app: dns}})" -}}
    {{- fail (printf $msg .where) -}}
  {{- end -}}
  {{- if not .spec.ports -}}
    {{- $msg := print "%s.ports: the custom DNS preset needs its ports"
        " (for example [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}])" -}}
    {{- fail (printf $msg .where) -}}
  {{- end -}}
  {{- $rule := dict "to" .spec.peers "ports" .spec.ports -}}
  {{- /* DNS servers are always addresses: a name for one could not be looked up without it */ -}}
  {{- $input := dict "rule" $rule "direction" "egress" "where" .where "ctx" .ctx "components" dict
      "dataplane" "kubernetes" -}}
  {{- $rules := list -}}
  {{- range $r := (include "netpol._rule" $input | fromJson).items -}}
    {{- $rules = append $rules (merge (dict "notes" (list "cluster DNS: custom peers")) $r) -}}
  {{- end -}}
  {{- toJson (dict "items" $rules) -}}
{{- end -}}

{{/*
netpol._dns.kubeDns: the kube-dns pods in kube-system, as a peer.
Params: none.
Output: JSON {"namespaceSelector": ..., "podSelector": ...}
*/}}
{{- define "netpol._dns.kubeDns" -}}
  {{- $namespace := dict "matchLabels" (dict "kubernetes.io/metadata.name" "kube-system") -}}
  {{- toJson (dict "namespaceSelector" $namespace "podSelector" (dict "matchLabels" (dict "k8s-app" "kube-dns"))) -}}
{{- end -}}
