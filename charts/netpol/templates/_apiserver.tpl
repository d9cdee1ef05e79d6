{{/*
netpol._apiServer (internal): egress rules to the Kubernetes API server.
Params:
  - spec - Map - Optional. {cidrs, ports, onNotFound} as written; empty means autodetect.
  - where - String - Required. The value path of the peer, named in messages.
  - cidrsValue - String - Required. The value path of spec.cidrs, named in messages.
  - portsValue - String - Required. The value path of spec.ports, named in messages.
  - onNotFoundValue - String - Required. The value path of spec.onNotFound, named in messages.
  - direction - String - Optional. "ingress" or "egress" (default), for the Cilium rule.
  - dataplane - String - Optional. kubernetes (default), cilium or openshift.
Output: JSON {"items": [rule...], "source": "values"|"EndpointSlice"|"Endpoints"|"none", "cilium": [...]}

Explicit CIDRs always win. Otherwise the addresses come from `lookup`, which is empty
under helm template, lint, client-side --dry-run, Argo CD and kustomize; then we fail
(or, when asked, omit the rule: narrower, never wider).
Policies see traffic after Service translation, so the rule uses the endpoint
addresses and the endpoint port (6443, 443, 6444 on k3s), never the ClusterIP or 443.
On cilium an ipBlock does not select the API server, so the kube-apiserver entity is added
on the same ports (netpol._apiServer.cilium); it needs only the port, so there an explicit
port is enough when no address is found.
*/}}
{{- define "netpol._apiServer" -}}
  {{- $spec := .spec | default dict -}}
  {{- $mode := toString ($spec.onNotFound | default "fail") -}}
  {{- if not (has $mode (list "fail" "omit")) -}}
    {{- fail (printf "%s: %q is not a choice; use fail or omit" .onNotFoundValue (toString $spec.onNotFound)) -}}
  {{- end -}}
  {{- $explicit := include "netpol._cidr.blocks" (dict "cidrs" $spec.cidrs "where" .cidrsValue) | fromJson -}}
  {{- $given := dict "ports" $spec.ports "where" .portsValue -}}
  {{- $out := dict -}}
  {{- $byPort := list -}}
  {{- if $explicit.items -}}
    {{- $ports := (include "netpol._apiServer.ports" $given | fromJson).items -}}
    {{- $note := printf "Kubernetes API server at %s, %s (from %s)" (join ", " $explicit.cidrs)
        (ternary "any port" (include "netpol._text.ports" $ports) (not $ports)) .cidrsValue -}}
    {{- $rule := dict "peers" $explicit.items "ports" $ports "notes" (list $note) -}}
    {{- $out = dict "items" (list $rule) "source" "values" -}}
  {{- else -}}
    {{- $out = include "netpol._apiServer.detected" . | fromJson -}}
    {{- if eq (toString .dataplane) "cilium" -}}
      {{- $byPort = (include "netpol._apiServer.ports" $given | fromJson).items -}}
    {{- end -}}
    {{- if and (not $out.items) (not $byPort) (eq $mode "fail") -}}
      {{- include "netpol._apiServer.notFound" . -}}
    {{- end -}}
  {{- end -}}
  {{- $_ := set $out "cilium" list -}}
  {{- if eq (toString .dataplane) "cilium" -}}
    {{- $input := dict "found" $out "given" $byPort "direction" .direction "portsValue" .portsValue -}}
    {{- $_ := set $out "cilium" (include "netpol._apiServer.cilium" $input | fromJson).items -}}
  {{- end -}}
  {{- toJson $out -}}
{{- end -}}

{{/*
netpol._apiServer.notFound: stop the render: the API server's addresses are not known.
Params: as netpol._apiServer.
Output: nothing; fails
*/}}
{{- define "netpol._apiServer.notFound" -}}
  {{- $msg := print
      "%s: the Kubernetes API server's addresses could not be found: lookup of the kubernetes "
      "EndpointSlices/Endpoints in namespace default returned nothing, as it always does under "
      "helm template, helm lint, client-side --dry-run, Argo CD and kustomize. "
      "Set %s to the API server endpoint addresses "
      "(kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes) "
      "and %s to their port, or render against the cluster with helm install/upgrade "
      "(--dry-run=server on Helm >= 3.13). To render without an API-server rule, set %s=omit" -}}
  {{- $text := printf $msg .where .cidrsValue .portsValue .onNotFoundValue -}}
  {{- if eq (toString .dataplane) "cilium" -}}
    {{- $more := "On the cilium dataplane %s alone is enough: the API server is named as the kube-apiserver entity" -}}
    {{- $text = printf "%s. %s" $text (printf $more .portsValue) -}}
  {{- end -}}
  {{- fail $text -}}
{{- end -}}

{{/*
netpol._apiServer.cilium: the API server as Cilium names it (the kube-apiserver entity), on
the ports of the portable rules, or on the ports given when no address was found.
Params:
  - found - Map - Required. What netpol._apiServer built: {items: [rule...], source}.
  - given - List - Required. The ports given, checked (used when no address was found).
  - direction - String - Optional. "ingress" or "egress" (default).
  - portsValue - String - Required. The value path of the ports, named in messages.
Output: JSON {"items": [] or [the Cilium rule]}
On every port the entity would open the API server's hosts (control-plane nodes, whose
identity it shares) on every port, more than an address on every port: refused.
*/}}
{{- define "netpol._apiServer.cilium" -}}
  {{- $ports := list -}}
  {{- $anyPort := false -}}
  {{- range $r := .found.items -}}
    {{- if not $r.ports -}}{{- $anyPort = true -}}{{- end -}}
    {{- $ports = concat $ports ($r.ports | default list) -}}
  {{- end -}}
  {{- if not .found.items -}}{{- $ports = .given -}}{{- end -}}
  {{- if $anyPort -}}
    {{- $msg := print "%s: on the cilium dataplane the API server is also named as the kube-apiserver entity, "
        "which on every port would open every port of the API server's hosts; give its port "
        "(6443 on most clusters, 443 on some managed ones)" -}}
    {{- fail (printf $msg .portsValue) -}}
  {{- end -}}
  {{- $items := list -}}
  {{- if $ports -}}
    {{- $ports = uniq $ports -}}
    {{- $on := include "netpol._text.ports" $ports -}}
    {{- $note := printf "Kubernetes API server as the kube-apiserver entity, %s" $on -}}
    {{- $direction := .direction | default "egress" -}}
    {{- $input := dict "direction" $direction "ports" $ports "note" $note -}}
    {{- $items = list (include "netpol._cilium.entity" $input | fromJson) -}}
  {{- end -}}
  {{- toJson (dict "items" $items) -}}
{{- end -}}

{{/*
netpol._apiServer.detected: one rule per endpoint port found by netpol._apiServer.detect.
Params: none (the endpoints come from the cluster, through netpol._apiServer.detect).
Output: JSON {"items": [rule...], "source": "EndpointSlice"|"Endpoints"|"none"}
*/}}
{{- define "netpol._apiServer.detected" -}}
  {{- $found := include "netpol._apiServer.detect" . | fromJson -}}
  {{- $rules := list -}}
  {{- range $port := $found.ports -}}
    {{- $peers := list -}}
    {{- $addresses := list -}}
    {{- range $e := $found.endpoints -}}
      {{- if eq (int $e.port) (int $port) -}}
        {{- $peers = append $peers (dict "ipBlock" (dict "cidr" $e.cidr)) -}}
        {{- $addresses = append $addresses $e.cidr -}}
      {{- end -}}
    {{- end -}}
    {{- $note := printf "Kubernetes API server at %s, %d/TCP (autodetected from the %s of default/kubernetes)"
        (join ", " $addresses) (int $port) $found.source -}}
    {{- $ports := list (dict "port" (int $port) "protocol" "TCP") -}}
    {{- $rules = append $rules (dict "peers" $peers "ports" $ports "notes" (list $note)) -}}
  {{- end -}}
  {{- toJson (dict "items" $rules "source" $found.source) -}}
{{- end -}}

{{/*
netpol._apiServer.ports: port values for the explicit API-server rule; 0 (or nothing) means any port.
Params:
  - ports - Int|String|List - Optional. One port or a list; 0 or empty means any port.
  - where - String - Required. The value path of the ports, named in messages.
Output: JSON {"items": [port...]}, as netpol._port.list gives them
*/}}
{{- define "netpol._apiServer.ports" -}}
  {{- $ports := .ports -}}
  {{- $scalar := not (kindIs "slice" $ports) -}}
  {{- if $scalar -}}{{- $ports = list $ports -}}{{- end -}}
  {{- $given := list -}}
  {{- range $i, $p := $ports -}}
    {{- if not (or (kindIs "invalid" $p) (eq (toString $p) "0") (eq (toString $p) "")) -}}
      {{- /* checked here first so a message names the value as the user wrote it */ -}}
      {{- $w := ternary $.where (printf "%s[%d]" $.where $i) $scalar -}}
      {{- $_ := include "netpol._port.value" (dict "value" $p "where" $w "numericOnly" true) -}}
      {{- $given = append $given $p -}}
    {{- end -}}
  {{- end -}}
  {{- if and $given (ne (len $given) (len $ports)) -}}
    {{- $msg := "%s: 0 means any port and cannot be mixed with port numbers; list only the ports, or give 0 alone" -}}
    {{- fail (printf $msg .where) -}}
  {{- end -}}
  {{- include "netpol._port.list" (dict "ports" $given "where" .where) -}}
{{- end -}}

{{/*
netpol._apiServer.detect: read the API server endpoints from the cluster.
Params: none (reads the cluster with lookup).
Output: JSON {"source": ..., "endpoints": [{"cidr", "port"}], "ports": [distinct ports]}
EndpointSlices first (v1 Endpoints is deprecated since Kubernetes 1.33; dual-stack
clusters have one slice per family), then v1 Endpoints.
*/}}
{{- define "netpol._apiServer.detect" -}}
  {{- $found := include "netpol._apiServer.fromSlices" . | fromJson -}}
  {{- if not $found.endpoints -}}
    {{- $found = include "netpol._apiServer.fromEndpoints" . | fromJson -}}
  {{- end -}}
  {{- $ports := list -}}
  {{- range $e := $found.endpoints -}}{{- $ports = append $ports (int $e.port) -}}{{- end -}}
  {{- toJson (dict "source" $found.source "endpoints" (uniq $found.endpoints) "ports" (uniq $ports)) -}}
{{- end -}}

{{/*
netpol._apiServer.fromSlices: the ready endpoints of the EndpointSlices of default/kubernetes.
Params: none (reads the cluster with lookup).
Output: JSON {"source": "EndpointSlice"|"none", "endpoints": [{"cidr", "port"}]}
`lookup` cannot filter by label, so every slice in default is listed and filtered on
kubernetes.io/service-name=kubernetes.
*/}}
{{- define "netpol._apiServer.fromSlices" -}}
  {{- $endpoints := list -}}
  {{- $source := "none" -}}
  {{- /* No Capabilities guard: Kubernetes >= 1.25 (the charts' kubeVersion) always serves
         discovery.k8s.io/v1, and default capabilities (Helm 4's SDK) would skip slices. */ -}}
  {{- $slices := lookup "discovery.k8s.io/v1" "EndpointSlice" "default" "" -}}
  {{- range $slice := (get $slices "items" | default list) -}}
    {{- $labels := dig "metadata" "labels" dict $slice -}}
    {{- $family := toString (get $slice "addressType") -}}
    {{- $service := get $labels "kubernetes.io/service-name" | toString -}}
    {{- if and (eq $service "kubernetes") (has $family (list "IPv4" "IPv6")) -}}
      {{- $port := include "netpol._apiServer.httpsPort" (dict "ports" (get $slice "ports")) | atoi -}}
      {{- $bits := ternary "32" "128" (eq $family "IPv4") -}}
      {{- range $ep := (get $slice "endpoints" | default list) -}}
        {{- if ne (toString (dig "conditions" "ready" true $ep)) "false" -}}
          {{- range $a := (get $ep "addresses" | default list) -}}
            {{- if $port -}}
              {{- $endpoints = append $endpoints (dict "cidr" (printf "%s/%s" $a $bits) "port" $port) -}}
              {{- $source = "EndpointSlice" -}}
            {{- end -}}
          {{- end -}}
        {{- end -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
  {{- toJson (dict "source" $source "endpoints" $endpoints) -}}
{{- end -}}

{{/*
netpol._apiServer.fromEndpoints: the addresses of the v1 Endpoints default/kubernetes.
Params: none (reads the cluster with lookup).
Output: JSON {"source": "Endpoints"|"none", "endpoints": [{"cidr", "port"}]}
*/}}
{{- define "netpol._apiServer.fromEndpoints" -}}
  {{- $endpoints := list -}}
  {{- $source := "none" -}}
  {{- $ep := lookup "v1" "Endpoints" "default" "kubernetes" -}}
  {{- range $subset := (get $ep "subsets" | default list) -}}
    {{- $port := include "netpol._apiServer.httpsPort" (dict "ports" (get $subset "ports")) | atoi -}}
    {{- range $a := (get $subset "addresses" | default list) -}}
      {{- if and $port (get $a "ip") -}}
        {{- $cidr := printf "%s/%s" $a.ip (ternary "128" "32" (contains ":" $a.ip)) -}}
        {{- $endpoints = append $endpoints (dict "cidr" $cidr "port" $port) -}}
        {{- $source = "Endpoints" -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
  {{- toJson (dict "source" $source "endpoints" $endpoints) -}}
{{- end -}}

{{/*
netpol._apiServer.httpsPort: the port named https, or the only port when there is just one; 0 when neither.
Params:
  - ports - List - Optional. The ports of an EndpointSlice or an Endpoints subset ({name, port}).
Output: the port number as text ("0" when none)
*/}}
{{- define "netpol._apiServer.httpsPort" -}}
  {{- $ports := .ports | default list -}}
  {{- $port := 0 -}}
  {{- range $p := $ports -}}
    {{- if eq (toString (get $p "name")) "https" -}}{{- $port = int (get $p "port") -}}{{- end -}}
  {{- end -}}
  {{- if and (not $port) (eq (len $ports) 1) -}}{{- $port = int (get (first $ports) "port") -}}{{- end -}}
  {{- $port -}}
{{- end -}}
