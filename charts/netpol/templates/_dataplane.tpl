{{/*
The dataplane switch (internal). NetworkPolicy says the same on every CNI, except for
peers outside the pod network: the API server, callers on the host network and hosts
known by name. The switch says which CNI the policies are for, so those peers are said
the way it understands them:
  - kubernetes (the default): portable NetworkPolicies only, exactly as without the switch;
  - cilium: beside each NetworkPolicy, a CiliumNetworkPolicy for the API server (the
    kube-apiserver entity), hosts by name (toFQDNs) and the API server's calls to webhooks;
  - openshift: OpenShift's host-network namespace for the API server's calls, and
    OpenShift's DNS (5353) as the default DNS preset.
*/}}

{{/*
netpol._dataplane.name: the switch, checked; on cilium, also that the cluster serves
CiliumNetworkPolicy (.Capabilities.APIVersions: the API server's discovery on install,
--api-versions under helm template), since an object of an API the cluster lacks fails
the whole install.
Params:
  - dataplane - String - Optional. The switch as written; empty or absent means kubernetes.
  - where - String - Required. The value path of the switch, named in messages.
  - ctx - Context - Required. The chart's root context (its Capabilities).
Output: kubernetes, cilium or openshift
*/}}
{{- define "netpol._dataplane.name" -}}
  {{- $value := .dataplane -}}
  {{- $choices := "kubernetes (portable NetworkPolicies only), cilium or openshift" -}}
  {{- if not (or (kindIs "invalid" $value) (kindIs "string" $value)) -}}
    {{- fail (printf "%s: %v is not a dataplane; use %s" .where $value $choices) -}}
  {{- end -}}
  {{- $name := $value | default "kubernetes" -}}
  {{- if not (has $name (list "kubernetes" "cilium" "openshift")) -}}
    {{- fail (printf "%s: %q is not a dataplane; use %s" .where $name $choices) -}}
  {{- end -}}
  {{- $api := "cilium.io/v2/CiliumNetworkPolicy" -}}
  {{- if and (eq $name "cilium") (not (.ctx.Capabilities.APIVersions.Has $api)) -}}
    {{- $msg := print "%s: cilium renders CiliumNetworkPolicies, but the cluster does not serve %s "
        "(is Cilium installed?). Install into a cluster that runs Cilium; with helm template, "
        "pass --api-versions %s (helm lint has no such flag); or set %s to kubernetes "
        "for portable NetworkPolicies only" -}}
    {{- fail (printf $msg .where $api $api .where) -}}
  {{- end -}}
  {{- $name -}}
{{- end -}}
