{{/*
netpol._list (internal): a value written as one item or as a list, as a list.
Params:
  - value - Any - Optional. One item or a list.
Output: JSON {"items": [...]}: a string is one item, a list is itself; a blank string,
        null, false, 0 or {} is none; anything else is one item for the caller to refuse.
*/}}
{{- define "netpol._list" -}}
  {{- $v := .value -}}
  {{- $items := list -}}
  {{- if kindIs "slice" $v -}}
    {{- $items = $v -}}
  {{- else if kindIs "string" $v -}}
    {{- if trim $v -}}{{- $items = list $v -}}{{- end -}}
  {{- else if $v -}}
    {{- $items = list $v -}}
  {{- end -}}
  {{- toJson (dict "items" $items) -}}
{{- end -}}
