{{/*
netpol._port.list (internal): validate and normalise a rule's ports.
Params:
  - ports - List - Optional. The ports as written.
  - where - String - Required. The value path of the ports, named in messages.
Output: JSON {"items": [{"port": N|NAME, "protocol": P, "endPort"?: M}, ...]}
Accepted forms: 8080, "8080", "http" (a named container port), and
{port: 8000, endPort: 8100, protocol: UDP}. Protocol defaults to TCP and is always
written out, so a reader never has to remember the default.
*/}}
{{- define "netpol._port.list" -}}
  {{- $items := list -}}
  {{- if and .ports (not (kindIs "slice" .ports)) -}}
    {{- fail (printf "%s: give a list of ports, e.g. [%v]" .where .ports) -}}
  {{- end -}}
  {{- range $i, $raw := (.ports | default list) -}}
    {{- $entry := include "netpol._port.entry" (dict "raw" $raw "where" (printf "%s[%d]" $.where $i)) | fromJson -}}
    {{- $items = append $items $entry -}}
  {{- end -}}
  {{- toJson (dict "items" $items) -}}
{{- end -}}

{{/*
netpol._port.entry: one port of a rule -> {port, protocol, endPort?}.
Params:
  - raw - Int|String|Map - Required. The port as written: a number, a name, or {port, endPort, protocol}.
  - where - String - Required. The value path of the port, named in messages.
Output: JSON {"port": N|NAME, "protocol": P, "endPort"?: M}
*/}}
{{- define "netpol._port.entry" -}}
  {{- $where := .where -}}
  {{- $entry := ternary .raw (dict "port" .raw) (kindIs "map" .raw) -}}
  {{- range $key, $_ := $entry -}}
    {{- if not (has $key (list "port" "endPort" "protocol")) -}}
      {{- fail (printf "%s: unknown key %q; a port takes port, endPort and protocol" $where $key) -}}
    {{- end -}}
  {{- end -}}
  {{- if not (hasKey $entry "port") -}}
    {{- fail (printf "%s: port is missing; give a number from 1 to 65535 or a container port name" $where) -}}
  {{- end -}}
  {{- $at := ternary (printf "%s.port" $where) $where (kindIs "map" .raw) -}}
  {{- $port := include "netpol._port.value" (dict "value" $entry.port "where" $at) | fromJson -}}
  {{- $protocol := upper (toString ($entry.protocol | default "TCP")) -}}
  {{- if not (has $protocol (list "TCP" "UDP" "SCTP")) -}}
    {{- fail (printf "%s.protocol: %q is not a protocol NetworkPolicy knows; use TCP, UDP or SCTP"
        $where (toString $entry.protocol)) -}}
  {{- end -}}
  {{- $out := dict "port" $port.value "protocol" $protocol -}}
  {{- if hasKey $entry "endPort" -}}
    {{- if $port.named -}}
      {{- fail (printf "%s.endPort: a range needs a numeric port, but port is the name %q; use numbers for both ends"
          $where $port.value) -}}
    {{- end -}}
    {{- $input := dict "value" $entry.endPort "where" (printf "%s.endPort" $where) "numericOnly" true -}}
    {{- $end := include "netpol._port.value" $input | fromJson -}}
    {{- if lt (int $end.value) (int $port.value) -}}
      {{- fail (printf "%s.endPort: %d is below port %d; endPort must be at least port"
          $where (int $end.value) (int $port.value)) -}}
    {{- end -}}
    {{- if gt (int $end.value) (int $port.value) -}}{{- $_ := set $out "endPort" (int $end.value) -}}{{- end -}}
  {{- end -}}
  {{- toJson $out -}}
{{- end -}}

{{/*
netpol._port.value: one port number or name.
Params:
  - value - Int|String - Required. The port as written.
  - where - String - Required. The value path of the port, named in messages.
  - numericOnly - Bool - Optional. Refuse names (endPort, and the API server's port).
Output: JSON {"value": N or NAME, "named": bool}
Names follow IANA_SVC_NAME (what the API server accepts for container port names):
1-15 characters, lowercase letters, digits and '-', at least one letter, no '-'
at either end and no "--".
*/}}
{{- define "netpol._port.value" -}}
  {{- $v := .value -}}
  {{- $where := .where -}}
  {{- if or (kindIs "float64" $v) (kindIs "int" $v) (kindIs "int64" $v) -}}
    {{- if ne (float64 $v) (float64 (int64 $v)) -}}
      {{- fail (printf "%s: %v is not a whole number; ports are whole numbers from 1 to 65535" $where $v) -}}
    {{- end -}}
    {{- $v = toString (int64 $v) -}}
  {{- end -}}
  {{- if not (kindIs "string" $v) -}}
    {{- fail (printf "%s: %v is neither a port number nor a port name" $where $v) -}}
  {{- end -}}
  {{- if regexMatch "^-?[0-9]+$" $v -}}
    {{- $n := atoi $v -}}
    {{- if or (lt $n 1) (gt $n 65535) -}}
      {{- fail (printf "%s: %s is outside 1-65535; give a port number from 1 to 65535" $where $v) -}}
    {{- end -}}
    {{- toJson (dict "value" $n "named" false) -}}
  {{- else if .numericOnly -}}
    {{- fail (printf "%s: %q is not a number; endPort must be a port number from 1 to 65535" $where $v) -}}
  {{- else -}}
    {{- $valid := regexMatch "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$" $v -}}
    {{- if or (gt (len $v) 15) (not $valid) (not (regexMatch "[a-z]" $v)) (contains "--" $v) -}}
      {{- $msg := print "%s: %q is not a valid port name; a name is 1-15 lowercase letters, digits and '-', "
          "with at least one letter, no '-' at either end and no \"--\" (or give a number from 1 to 65535)" -}}
      {{- fail (printf $msg $where $v) -}}
    {{- end -}}
    {{- toJson (dict "value" $v "named" true) -}}
  {{- end -}}
{{- end -}}
