{{/*
Labels as the API server wants them (internal). One rule serves a key's name part and
a value: 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.
*/}}

{{/*
netpol._label.map: validate a label map; values containing "{{" go through tpl.
Params:
  - labels - Map - Required. The labels as written.
  - where - String - Required. The value path of the map, named in messages.
  - ctx - Context - Required. The chart's root context, for tpl.
Output: JSON map of the labels, values as text
*/}}
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

{{/*
netpol._label.expand: a label value as text ("" for null), through tpl when it holds "{{".
Params:
  - value - Any - Optional. The value as written.
  - ctx - Context - Required. The chart's root context, for tpl.
Output: the value as text
*/}}
{{- define "netpol._label.expand" -}}
  {{- $value := ternary "" (toString .value) (kindIs "invalid" .value) -}}
  {{- if contains "{{" $value -}}{{- $value = tpl $value .ctx -}}{{- end -}}
  {{- $value -}}
{{- end -}}

{{/*
netpol._label.key: "[prefix/]name", the prefix a DNS subdomain of at most 253 characters.
Params:
  - key - String - Required. The label key.
  - where - String - Required. The value path of the labels, named in messages.
Output: nothing; fails on an invalid key
*/}}
{{- define "netpol._label.key" -}}
  {{- $key := .key -}}
  {{- $name := $key -}}
  {{- if contains "/" $key -}}
    {{- $prefix := regexReplaceAll "/.*$" $key "" -}}
    {{- $name = regexReplaceAll "^[^/]*/" $key "" -}}
    {{- $subdomain := "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" -}}
    {{- if or (gt (len $prefix) 253) (not (regexMatch $subdomain $prefix)) -}}
      {{- $msg := print "%s: label key %q has an invalid prefix %q; "
          "a prefix is a DNS subdomain (lowercase letters, digits, '-' and '.')" -}}
      {{- fail (printf $msg .where $key $prefix) -}}
    {{- end -}}
  {{- end -}}
  {{- if not (include "netpol._label.valid" $name) -}}
    {{- $msg := print "%s: label key %q is invalid; the name part is 1-63 letters, digits, '-', '_' or '.', "
        "starting and ending with a letter or digit" -}}
    {{- fail (printf $msg .where $key) -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._label.value: empty, or what netpol._label.valid accepts.
Params:
  - value - String - Required. The label value, already expanded.
  - where - String - Required. The value path of the value, named in messages.
Output: nothing; fails on an invalid value
*/}}
{{- define "netpol._label.value" -}}
  {{- if and (ne .value "") (not (include "netpol._label.valid" .value)) -}}
    {{- $msg := print "%s: label value %q is invalid; a value is empty or 1-63 letters, digits, '-', '_' or '.', "
        "starting and ending with a letter or digit" -}}
    {{- fail (printf $msg .where .value) -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._label.valid: "true" when the text is a valid label name or non-empty value.
Params:
  - . - String - Required. The text to check.
Output: "true", or nothing
*/}}
{{- define "netpol._label.valid" -}}
  {{- if and (le (len .) 63) (regexMatch "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$" .) -}}true{{- end -}}
{{- end -}}
