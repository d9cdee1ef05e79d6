{{/*
Host names (internal): resolved with getHostByName at render time.

getHostByName returns one address and differs by Helm version: Helm 3.10 errors on a
name that does not resolve ("invalid argument to Intn"); Helm >= 3.11.1 returns ""
unless --enable-dns is given, and then also for IP literals. So IP literals are
recognised here and never looked up, and an empty answer stops the render with the
two ways out: --enable-dns, or the explicit CIDR value (GitOps tools cannot resolve).
*/}}

{{/*
netpol._host.name: a host as written -> {"host": name or address, "literal": bool}.
Refuses what is not a host: a port, an empty or invalid name, anything but a string.
Params:
  - host - String - Required. A host name or an IP address (IPv6 optionally in brackets).
  - where - String - Required. The value path of the host, named in messages.
Output: JSON {"host": ..., "literal": bool}
*/}}
{{- define "netpol._host.name" -}}
  {{- if not (kindIs "string" .host) -}}
    {{- fail (printf "%s: %v is not a host name; write a name such as api.example.com, or an IP address"
        .where .host) -}}
  {{- end -}}
  {{- $written := trim .host -}}
  {{- if or (regexMatch "^\\[.*\\]:[^\\]]*$" $written) (regexMatch "^[^:\\[\\]]+:[^:]*$" $written) -}}
    {{- $msg := "%s: %q carries a port; host peers take no port: use the rule's ports, or a urls peer" -}}
    {{- fail (printf $msg .where $written) -}}
  {{- end -}}
  {{- $host := trimSuffix "]" (trimPrefix "[" $written) -}}
  {{- if not $host -}}
    {{- fail (printf "%s: the host name is empty" .where) -}}
  {{- end -}}
  {{- $literal := or (regexMatch "^[0-9.]+$" $host) (contains ":" $host) -}}
  {{- if $literal -}}{{- $_ := include "netpol._cidr.parse" (dict "value" $host "where" .where) -}}{{- end -}}
  {{- $hostName := "^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*\\.?$" -}}
  {{- if and (not $literal) (not (regexMatch $hostName $host)) -}}
    {{- fail (printf "%s: %q is not a valid host name" .where $host) -}}
  {{- end -}}
  {{- if and (not $literal) (or (gt (len (trimSuffix "." $host)) 253) (regexMatch "[^.]{64}" $host)) -}}
    {{- fail (printf "%s: %q is not a valid host name: at most 253 characters, 63 per label" .where $host) -}}
  {{- end -}}
  {{- toJson (dict "host" $host "literal" $literal) -}}
{{- end -}}

{{/*
netpol._host.block: one host name or IP literal -> ipBlock.
Params:
  - host - String - Required. A host name or an IP address.
  - where - String - Required. The value path of the host, named in messages.
  - cidrsValue - String - Required. The value path of the explicit alternative (the hosts' CIDRs).
  - name - Map - Optional. What netpol._host.name gave for the host, when the caller has it already.
Output: JSON {"ipBlock": {...}, "note": "..."}
*/}}
{{- define "netpol._host.block" -}}
  {{- $name := .name -}}
  {{- if not $name -}}{{- $name = include "netpol._host.name" . | fromJson -}}{{- end -}}
  {{- $ip := $name.host -}}
  {{- $note := printf "%s (IP address as given)" $name.host -}}
  {{- if not $name.literal -}}
    {{- $ip = getHostByName $name.host -}}
    {{- if not $ip -}}
      {{- $msg := print "%s: the host %q resolved to nothing. "
          "Helm >= 3.11.1 resolves names only with --enable-dns (helm install/upgrade/template --enable-dns), "
          "and then a name that does not resolve stops helm with \"invalid argument to Intn\"; "
          "GitOps tools cannot resolve at all. "
          "To render without DNS, set %s to the host's addresses (e.g. [\"203.0.113.10/32\"])" -}}
      {{- fail (printf $msg .where $name.host .cidrsValue) -}}
    {{- end -}}
    {{- $msg := print "%s resolved to %s at render time "
        "(a snapshot: if the address changes, upgrade the release or set %s)" -}}
    {{- $note = printf $msg $name.host $ip .cidrsValue -}}
  {{- end -}}
  {{- $block := include "netpol._cidr.ipBlock" (dict "cidr" $ip "where" .where) | fromJson -}}
  {{- toJson (dict "ipBlock" $block "note" $note) -}}
{{- end -}}
