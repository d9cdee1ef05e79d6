{{/*
netpol._dns (internal): the cluster DNS preset as egress rules.
  input:  dict "dns" (STRING preset | {preset, nodeLocalAddress, peers, ports}) "where" PATH "ctx" $
  output: JSON {"items": [rule...]} where rule = {"peers", "ports", "notes"}
DNS needs UDP *and* TCP: answers over 512 bytes (and every DNSSEC or large SRV
answer) fall back to TCP, and a UDP-only rule breaks them silently.
*/}}
{{- define "netpol._dns" -}}
{{- $spec := .dns -}}
{{- if kindIs "string" $spec -}}{{- $spec = dict "preset" $spec -}}{{- end -}}
{{- if not (kindIs "map" $spec) -}}
{{- fail (printf "%s: %v is not a DNS preset; use kubernetes, openshift, nodelocal or custom" .where $spec) -}}
{{- end -}}
{{- $preset := toString ($spec.preset | default "kubernetes") -}}
{{- $rules := list -}}
{{- $kubeDns := dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" "kube-system")) "podSelector" (dict "matchLabels" (dict "k8s-app" "kube-dns")) -}}
{{- $port53 := list (dict "port" 53 "protocol" "UDP") (dict "port" 53 "protocol" "TCP") -}}
{{- if eq $preset "kubernetes" -}}
{{- $rules = append $rules (dict "peers" (list $kubeDns) "ports" $port53 "notes" (list "cluster DNS: kube-dns pods in kube-system, 53/UDP and 53/TCP")) -}}
{{- else if eq $preset "openshift" -}}
{{- $osDns := dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" "openshift-dns")) "podSelector" (dict "matchLabels" (dict "dns.operator.openshift.io/daemonset-dns" "default")) -}}
{{- $rules = append $rules (dict "peers" (list $osDns) "ports" (list (dict "port" 5353 "protocol" "UDP") (dict "port" 5353 "protocol" "TCP")) "notes" (list "cluster DNS: OpenShift DNS pods in openshift-dns, 5353/UDP and 5353/TCP (the dns-default Service maps 53 to 5353)")) -}}
{{- else if eq $preset "nodelocal" -}}
{{- $address := toString ($spec.nodeLocalAddress | default "169.254.20.10") -}}
{{- $block := include "netpol._cidr.ipBlock" (dict "cidr" $address "where" (printf "%s.nodeLocalAddress" .where)) | fromJson -}}
{{- $rules = append $rules (dict "peers" (list (dict "ipBlock" $block)) "ports" $port53 "notes" (list (printf "NodeLocal DNSCache on %s (host network, so an ipBlock), 53/UDP and 53/TCP" $block.cidr))) -}}
{{- $rules = append $rules (dict "peers" (list $kubeDns) "ports" $port53 "notes" (list "cluster DNS fallback: kube-dns pods in kube-system, 53/UDP and 53/TCP")) -}}
{{- else if eq $preset "custom" -}}
{{- if not $spec.peers -}}
{{- fail (printf "%s.peers: the custom DNS preset needs at least one peer (for example {namespaces: {names: [dns]}, pods: {app: dns}})" .where) -}}
{{- end -}}
{{- if not $spec.ports -}}
{{- fail (printf "%s.ports: the custom DNS preset needs its ports (for example [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}])" .where) -}}
{{- end -}}
{{- $custom := include "netpol._rule" (dict "rule" (dict "to" $spec.peers "ports" $spec.ports) "direction" "egress" "where" .where "ctx" .ctx "components" dict) | fromJson -}}
{{- range $r := $custom.items -}}
{{- $rules = append $rules (merge (dict "notes" (list "cluster DNS: custom peers")) $r) -}}
{{- end -}}
{{- else -}}
{{- fail (printf "%s: unknown DNS preset %q; use kubernetes, openshift, nodelocal or custom" (ternary .where (printf "%s.preset" .where) (kindIs "string" .dns)) $preset) -}}
{{- end -}}
{{- toJson (dict "items" $rules) -}}
{{- end -}}
