{{/*
Labels as the API server wants them (internal). One rule serves a key's name part and
a value: 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.
*/}}

{{/* netpol._label.map: validate a label map; values containing "{{" go through tpl.
  input: dict "labels" MAP "where" PATH "ctx" $    output: JSON map */}}
{{- define "netpol._label.map" -}}
{{- $out := dict -}}
{{- if not (kindIs "map" .labels) -}}
{{- fail (printf "%s: %v is not a map of labels" .where .labels) -}}
{{- end -}}
{{- range $key, $raw := .labels -}}
{{- include "netpol._label.key" (dict "key" $key "where" $.where) -}}
{{- $value := include "netpol._label.expand" (dict "value" $raw "ctx" $.ctx) -}}
{{- include "netpol._label.value" (dict "value" $value "where" (printf "%s[%s]" $.where $key)) -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* netpol._label.expand: a label value as text ("" for null), through tpl when it holds "{{". */}}
{{- define "netpol._label.expand" -}}
{{- $value := ternary "" (toString .value) (kindIs "invalid" .value) -}}
{{- if contains "{{" $value -}}{{- $value = tpl $value .ctx -}}{{- end -}}
{{- $value -}}
{{- end -}}

{{/* netpol._label.key: "[prefix/]name", the prefix a DNS subdomain of at most 253 characters. */}}
{{- define "netpol._label.key" -}}
{{- $key := .key -}}
{{- $name := $key -}}
{{- if contains "/" $key -}}
{{- $prefix := regexReplaceAll "/.*$" $key "" -}}
{{- $name = regexReplaceAll "^[^/]*/" $key "" -}}
{{- if or (gt (len $prefix) 253) (not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" $prefix)) -}}
{{- fail (printf "%s: label key %q has an invalid prefix %q; a prefix is a DNS subdomain (lowercase letters, digits, '-' and '.')" .where $key $prefix) -}}
{{- end -}}
{{- end -}}
{{- if not (include "netpol._label.valid" $name) -}}
{{- fail (printf "%s: label key %q is invalid; the name part is 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit" .where $key) -}}
{{- end -}}
{{- end -}}

{{/* netpol._label.value: empty, or what netpol._label.valid accepts. */}}
{{- define "netpol._label.value" -}}
{{- if and (ne .value "") (not (include "netpol._label.valid" .value)) -}}
{{- fail (printf "%s: label value %q is invalid; a value is empty or 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit" .where .value) -}}
{{- end -}}
{{- end -}}

{{/* netpol._label.valid: "true" when the text is a valid label name or non-empty value. */}}
{{- define "netpol._label.valid" -}}
{{- if and (le (len .) 63) (regexMatch "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$" .) -}}true{{- end -}}
{{- end -}}
