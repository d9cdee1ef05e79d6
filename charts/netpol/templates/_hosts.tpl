{{/*
Host peers: names resolved with getHostByName at render time.

getHostByName returns one address and differs by Helm version: Helm 3.10 errors on a
name that does not resolve ("invalid argument to Intn"); Helm >= 3.11.1 returns ""
unless --enable-dns is given, and then also for IP literals. So IP literals are
recognised here and never looked up, and an empty answer stops the render with the
two ways out: --enable-dns, or the explicit CIDR value (GitOps tools cannot resolve).
*/}}

{{/*
netpol.host.block: one host name or IP literal -> ipBlock.
  input:  dict "host" STRING "where" PATH "cidrsValue" PATH-of-the-explicit-alternative
  output: JSON {"ipBlock": {...}, "note": "..."}
*/}}
{{- define "netpol.host.block" -}}
{{- $host := trimSuffix "]" (trimPrefix "[" (trim (toString .host))) -}}
{{- if not $host -}}
{{- fail (printf "%s: the host name is empty" .where) -}}
{{- end -}}
{{- $ip := "" -}}
{{- $note := "" -}}
{{- if or (regexMatch "^[0-9.]+:[0-9]+$" $host) (regexMatch "^[A-Za-z0-9.-]+:[0-9]+$" $host) -}}
{{- fail (printf "%s: %q carries a port; host peers take no port: use the rule's ports, or a urls peer" .where $host) -}}
{{- end -}}
{{- if or (regexMatch "^[0-9.]+$" $host) (contains ":" $host) -}}
{{- $ip = $host -}}
{{- $note = printf "%s (IP address as given)" $host -}}
{{- else -}}
{{- if not (regexMatch "^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*\\.?$" $host) -}}
{{- fail (printf "%s: %q is not a valid host name" .where $host) -}}
{{- end -}}
{{- $ip = getHostByName $host -}}
{{- if not $ip -}}
{{- fail (printf "%s: the host %q resolved to nothing. Helm >= 3.11.1 resolves names only with --enable-dns (helm install/upgrade/template --enable-dns); GitOps tools cannot resolve at all: set %s to the host's addresses instead (e.g. [\"203.0.113.10/32\"])" .where $host .cidrsValue) -}}
{{- end -}}
{{- $note = printf "%s resolved to %s at render time (a snapshot: if the address changes, upgrade the release or set %s)" $host $ip .cidrsValue -}}
{{- end -}}
{{- $block := include "netpol.cidr.ipBlock" (dict "cidr" $ip "where" .where) | fromJson -}}
{{- toJson (dict "ipBlock" $block "note" $note) -}}
{{- end -}}

{{/*
netpol.url.target: split a URL into host and port.
  input:  dict "url" STRING "where" PATH
  output: JSON {"host": ..., "port": N}
urlParse's host keeps the port ("h:8443", "[::1]:8443"); sprig has no .hostname,
so the port is stripped here, minding IPv6 brackets. No port means the scheme's.
*/}}
{{- define "netpol.url.target" -}}
{{- $url := trim (toString .url) -}}
{{- $parsed := urlParse $url -}}
{{- $hostport := $parsed.host -}}
{{- if not $hostport -}}
{{- fail (printf "%s: %q has no host; write a full URL such as \"https://auth.example.com/.well-known/openid-configuration\"" .where $url) -}}
{{- end -}}
{{- $host := $hostport -}}
{{- $portText := "" -}}
{{- if hasPrefix "[" $hostport -}}
{{- $host = regexReplaceAll "^\\[([^\\]]*)\\].*$" $hostport "${1}" -}}
{{- $portText = regexReplaceAll "^\\[[^\\]]*\\]:?" $hostport "" -}}
{{- else if contains ":" $hostport -}}
{{- $host = regexReplaceAll ":[^:]*$" $hostport "" -}}
{{- $portText = regexReplaceAll "^.*:" $hostport "" -}}
{{- end -}}
{{- $port := 0 -}}
{{- if $portText -}}
{{- $port = (include "netpol.port.value" (dict "value" $portText "where" (printf "%s (port of %q)" .where $url) "numericOnly" true) | fromJson).value -}}
{{- else if eq $parsed.scheme "https" -}}{{- $port = 443 -}}
{{- else if eq $parsed.scheme "http" -}}{{- $port = 80 -}}
{{- else -}}
{{- fail (printf "%s: %q has scheme %q and no port; use http(s) or write the port in the URL" .where $url $parsed.scheme) -}}
{{- end -}}
{{- toJson (dict "host" $host "port" (int $port)) -}}
{{- end -}}
