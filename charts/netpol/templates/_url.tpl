{{/*
netpol._url.target (internal): split a URL into host and port.
Params:
  - url - String - Required. The URL as written.
  - where - String - Required. The value path of the URL, named in messages.
Output: JSON {"host": ..., "port": N}
Parsed here rather than with urlParse, whose errors are Go's ("first path segment in
URL cannot contain colon") and whose host keeps the port. An IPv6 host must be in
brackets ("https://[2001:db8::7]:8443/"): unbracketed, its last group would read as a
port. No port means the scheme's (443 for https, 80 for http).
*/}}
{{- define "netpol._url.target" -}}
  {{- $url := trim (toString .url) -}}
  {{- if not (regexMatch "^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)$" $url) -}}
    {{- $msg := print "%s: %q is not a URL; write scheme://host[:port]/path, "
        "e.g. \"https://auth.example.com/.well-known/openid-configuration\"" -}}
    {{- fail (printf $msg .where $url) -}}
  {{- end -}}
  {{- $scheme := lower (regexReplaceAll "://.*$" $url "") -}}
  {{- $authority := regexReplaceAll "^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*).*$" $url "${1}" -}}
  {{- $hostport := regexReplaceAll "^.*@" $authority "" -}}
  {{- if not $hostport -}}
    {{- $msg := print "%s: %q has no host; "
        "write a full URL such as \"https://auth.example.com/.well-known/openid-configuration\"" -}}
    {{- fail (printf $msg .where $url) -}}
  {{- end -}}
  {{- $split := include "netpol._url.hostPort" (dict "hostport" $hostport "url" $url "where" .where) | fromJson -}}
  {{- $port := 0 -}}
  {{- if $split.port -}}
    {{- if not (regexMatch "^[0-9]+$" $split.port) -}}
      {{- fail (printf "%s: %q has port %q; a URL's port is a number from 1 to 65535" .where $url $split.port) -}}
    {{- end -}}
    {{- $input := dict "value" (atoi $split.port) "where" (printf "%s (port of %q)" .where $url) "numericOnly" true -}}
    {{- $port = (include "netpol._port.value" $input | fromJson).value -}}
  {{- else if eq $scheme "https" -}}
    {{- $port = 443 -}}
  {{- else if eq $scheme "http" -}}
    {{- $port = 80 -}}
  {{- else -}}
    {{- fail (printf "%s: %q has scheme %q and no port; use http(s) or write the port in the URL"
        .where $url $scheme) -}}
  {{- end -}}
  {{- toJson (dict "host" $split.host "port" (int $port)) -}}
{{- end -}}

{{/*
netpol._url.hostPort: "host:port", "[v6]:port" or "host" -> host and port.
Params:
  - hostport - String - Required. The URL's authority without user info.
  - url - String - Required. The URL, quoted in messages.
  - where - String - Required. The value path of the URL, named in messages.
Output: JSON {"host", "port": TEXT ("" = none)}
*/}}
{{- define "netpol._url.hostPort" -}}
  {{- $hostport := .hostport -}}
  {{- $host := $hostport -}}
  {{- $portText := "" -}}
  {{- if hasPrefix "[" $hostport -}}
    {{- if not (regexMatch "^\\[[0-9A-Fa-f:.]+\\](:[^:]*)?$" $hostport) -}}
      {{- $msg := print "%s: %q has a bracketed host that is not an IPv6 address with an optional :port; "
          "write e.g. https://[2001:db8::7]:8443/" -}}
      {{- fail (printf $msg .where .url) -}}
    {{- end -}}
    {{- $host = regexReplaceAll "^\\[([^\\]]*)\\].*$" $hostport "${1}" -}}
    {{- $portText = regexReplaceAll "^\\[[^\\]]*\\]:?" $hostport "" -}}
  {{- else if gt (len (splitList ":" $hostport)) 2 -}}
    {{- $msg := print "%s: %q: %q is not host[:port]; "
        "an IPv6 address in a URL goes in brackets, e.g. https://[2001:db8::7]:8443/" -}}
    {{- fail (printf $msg .where .url $hostport) -}}
  {{- else if contains ":" $hostport -}}
    {{- $host = regexReplaceAll ":[^:]*$" $hostport "" -}}
    {{- $portText = regexReplaceAll "^.*:" $hostport "" -}}
    {{- if not $portText -}}
      {{- fail (printf "%s: %q ends its host with \":\" but gives no port" .where .url) -}}
    {{- end -}}
  {{- end -}}
  {{- toJson (dict "host" $host "port" $portText) -}}
{{- end -}}
