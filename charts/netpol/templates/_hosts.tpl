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
{{- $written := trim (toString .host) -}}
{{- if or (regexMatch "^\\[.*\\]:[^\\]]*$" $written) (regexMatch "^[^:\\[\\]]+:[^:]*$" $written) -}}
{{- fail (printf "%s: %q carries a port; host peers take no port: use the rule's ports, or a urls peer" .where $written) -}}
{{- end -}}
{{- $host := trimSuffix "]" (trimPrefix "[" $written) -}}
{{- if not $host -}}
{{- fail (printf "%s: the host name is empty" .where) -}}
{{- end -}}
{{- $ip := "" -}}
{{- $note := "" -}}
{{- if or (regexMatch "^[0-9.]+$" $host) (contains ":" $host) -}}
{{- $ip = $host -}}
{{- $note = printf "%s (IP address as given)" $host -}}
{{- else -}}
{{- if not (regexMatch "^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*\\.?$" $host) -}}
{{- fail (printf "%s: %q is not a valid host name" .where $host) -}}
{{- end -}}
{{- $ip = getHostByName $host -}}
{{- if not $ip -}}
{{- fail (printf "%s: the host %q resolved to nothing. Helm >= 3.11.1 resolves names only with --enable-dns (helm install/upgrade/template --enable-dns), and then a name that does not resolve stops helm with \"invalid argument to Intn\"; GitOps tools cannot resolve at all. To render without DNS, set %s to the host's addresses (e.g. [\"203.0.113.10/32\"])" .where $host .cidrsValue) -}}
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
Parsed here rather than with urlParse, whose errors are Go's ("first path segment in
URL cannot contain colon") and whose host keeps the port. An IPv6 host must be in
brackets ("https://[2001:db8::7]:8443/"): unbracketed, its last group would read as a
port. No port means the scheme's (443 for https, 80 for http).
*/}}
{{- define "netpol.url.target" -}}
{{- $url := trim (toString .url) -}}
{{- $m := regexFindAll "^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)$" $url 1 -}}
{{- if not $m -}}
{{- fail (printf "%s: %q is not a URL; write scheme://host[:port]/path, e.g. \"https://auth.example.com/.well-known/openid-configuration\"" .where $url) -}}
{{- end -}}
{{- $scheme := lower (regexReplaceAll "://.*$" $url "") -}}
{{- $authority := regexReplaceAll "^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*).*$" $url "${1}" -}}
{{- $hostport := regexReplaceAll "^.*@" $authority "" -}}
{{- if not $hostport -}}
{{- fail (printf "%s: %q has no host; write a full URL such as \"https://auth.example.com/.well-known/openid-configuration\"" .where $url) -}}
{{- end -}}
{{- $host := $hostport -}}
{{- $portText := "" -}}
{{- if hasPrefix "[" $hostport -}}
{{- if not (regexMatch "^\\[[0-9A-Fa-f:.]+\\](:[^:]*)?$" $hostport) -}}
{{- fail (printf "%s: %q has a bracketed host that is not an IPv6 address with an optional :port; write e.g. https://[2001:db8::7]:8443/" .where $url) -}}
{{- end -}}
{{- $host = regexReplaceAll "^\\[([^\\]]*)\\].*$" $hostport "${1}" -}}
{{- $portText = regexReplaceAll "^\\[[^\\]]*\\]:?" $hostport "" -}}
{{- else if gt (len (splitList ":" $hostport)) 2 -}}
{{- fail (printf "%s: %q: %q is not host[:port]; an IPv6 address in a URL goes in brackets, e.g. https://[2001:db8::7]:8443/" .where $url $hostport) -}}
{{- else if contains ":" $hostport -}}
{{- $host = regexReplaceAll ":[^:]*$" $hostport "" -}}
{{- $portText = regexReplaceAll "^.*:" $hostport "" -}}
{{- if not $portText -}}
{{- fail (printf "%s: %q ends its host with \":\" but gives no port" .where $url) -}}
{{- end -}}
{{- end -}}
{{- $port := 0 -}}
{{- if $portText -}}
{{- if not (regexMatch "^[0-9]+$" $portText) -}}
{{- fail (printf "%s: %q has port %q; a URL's port is a number from 1 to 65535" .where $url $portText) -}}
{{- end -}}
{{- $port = (include "netpol.port.value" (dict "value" (atoi $portText) "where" (printf "%s (port of %q)" .where $url) "numericOnly" true) | fromJson).value -}}
{{- else if eq $scheme "https" -}}{{- $port = 443 -}}
{{- else if eq $scheme "http" -}}{{- $port = 80 -}}
{{- else -}}
{{- fail (printf "%s: %q has scheme %q and no port; use http(s) or write the port in the URL" .where $url $scheme) -}}
{{- end -}}
{{- toJson (dict "host" $host "port" (int $port)) -}}
{{- end -}}
