{{/*
netpol._selector (internal): a label selector from the peer vocabulary.
Params:
  - value - String|Map - Required. "*", a map of labels, or {matchLabels, matchExpressions, names}.
  - where - String - Required. The value path of the selector, named in messages.
  - kind - String - Required. "pods" or "namespaces" (only namespaces take names).
  - ctx - Context - Required. The chart's root context, for tpl in label values.
Output: JSON selector ({} only when the value is "*")
Forms: "*" (every pod / every namespace, said in so many words), a map of labels,
{matchLabels, matchExpressions}, and for namespaces {names: [a, b]}. An empty map is an
error: it would select everything, and that is too easy to write by accident.
Label values go through `tpl`, so "{{ .Release.Name }}" works in selectors.
*/}}
{{- define "netpol._selector" -}}
  {{- $v := .value -}}
  {{- if eq (toString $v) "*" -}}
    {{- toJson dict -}}
  {{- else if not (kindIs "map" $v) -}}
    {{- $msg := print "%s: %v is not a selector; "
        "write a map of labels, {matchLabels: ..., matchExpressions: ...}%s, or \"*\" for all %s" -}}
    {{- fail (printf $msg .where $v (ternary ", {names: [...]}" "" (eq .kind "namespaces")) .kind) -}}
  {{- else if not $v -}}
    {{- $msg := "%s: an empty selector selects every %s; write \"*\" if that is what you mean, or give labels" -}}
    {{- fail (printf $msg .where (trimSuffix "s" .kind)) -}}
  {{- else if or (hasKey $v "matchLabels") (hasKey $v "matchExpressions")
      (and (eq .kind "namespaces") (hasKey $v "names")) -}}
    {{- include "netpol._selector.structured" . -}}
  {{- else -}}
    {{- $labels := include "netpol._label.map" (dict "labels" $v "where" .where "ctx" .ctx) | fromJson -}}
    {{- toJson (dict "matchLabels" $labels) -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._selector.structured: {matchLabels, matchExpressions, names}; never empty.
Params:
  - value - Map - Required. {matchLabels, matchExpressions, names}, any of them.
  - where - String - Required. The value path of the selector, named in messages.
  - kind - String - Required. "pods" or "namespaces".
  - ctx - Context - Required. The chart's root context, for tpl in label values.
Output: JSON {"matchLabels"?, "matchExpressions"?}
*/}}
{{- define "netpol._selector.structured" -}}
  {{- $v := .value -}}
  {{- $where := .where -}}
  {{- range $key, $_ := $v -}}
    {{- if not (has $key (list "matchLabels" "matchExpressions" "names")) -}}
      {{- $msg := "%s: unknown key %q next to matchLabels/matchExpressions; put plain labels under matchLabels" -}}
      {{- fail (printf $msg $where $key) -}}
    {{- end -}}
  {{- end -}}
  {{- $out := dict -}}
  {{- if hasKey $v "matchLabels" -}}
    {{- $input := dict "labels" $v.matchLabels "where" (printf "%s.matchLabels" $where) "ctx" .ctx -}}
    {{- $_ := set $out "matchLabels" (include "netpol._label.map" $input | fromJson) -}}
  {{- end -}}
  {{- $exprs := (include "netpol._selector.expressions" . | fromJson).items -}}
  {{- if $exprs -}}{{- $_ := set $out "matchExpressions" $exprs -}}{{- end -}}
  {{- /* {matchLabels: {}} is as empty as {}: drop the key, then the guard below sees it */ -}}
  {{- if and (hasKey $out "matchLabels") (not $out.matchLabels) -}}{{- $_ := unset $out "matchLabels" -}}{{- end -}}
  {{- if not $out -}}
    {{- $msg := "%s: the selector is empty and would select every %s; give labels or write \"*\"" -}}
    {{- fail (printf $msg $where (trimSuffix "s" .kind)) -}}
  {{- end -}}
  {{- toJson $out -}}
{{- end -}}

{{/*
netpol._selector.expressions: a structured selector's matchExpressions, then its names as
one more expression (kubernetes.io/metadata.name In names).
Params:
  - value - Map - Required. {matchExpressions, names}, either or neither.
  - where - String - Required. The value path of the selector, named in messages.
  - ctx - Context - Required. The chart's root context, for tpl in values.
Output: JSON {"items": [expression...]}
*/}}
{{- define "netpol._selector.expressions" -}}
  {{- $v := .value -}}
  {{- $where := .where -}}
  {{- if and $v.matchExpressions (not (kindIs "slice" $v.matchExpressions)) -}}
    {{- $msg := "%s.matchExpressions: %v is not a list; write [{key: ..., operator: In, values: [...]}]" -}}
    {{- fail (printf $msg $where $v.matchExpressions) -}}
  {{- end -}}
  {{- $exprs := list -}}
  {{- range $i, $e := ($v.matchExpressions | default list) -}}
    {{- $input := dict "expr" $e "where" (printf "%s.matchExpressions[%d]" $where $i) "ctx" $.ctx -}}
    {{- $exprs = append $exprs (include "netpol._selector.expression" $input | fromJson) -}}
  {{- end -}}
  {{- if hasKey $v "names" -}}
    {{- $names := (include "netpol._list" (dict "value" $v.names) | fromJson).items -}}
    {{- if or (not (or (kindIs "slice" $v.names) (kindIs "string" $v.names))) (not $names) -}}
      {{- fail (printf "%s.names: give a non-empty list of namespace names" $where) -}}
    {{- end -}}
    {{- $expr := dict "key" "kubernetes.io/metadata.name" "operator" "In" "values" $names -}}
    {{- $input := dict "expr" $expr "where" (printf "%s.names" $where) "ctx" .ctx -}}
    {{- $exprs = append $exprs (include "netpol._selector.expression" $input | fromJson) -}}
  {{- end -}}
  {{- toJson (dict "items" $exprs) -}}
{{- end -}}

{{/*
netpol._selector.expression: {key, operator, values} checked as the API server would.
Params:
  - expr - Map - Required. The expression as written.
  - where - String - Required. The value path of the expression, named in messages.
  - ctx - Context - Required. The chart's root context, for tpl in values.
Output: JSON {"key", "operator", "values"?}
*/}}
{{- define "netpol._selector.expression" -}}
  {{- $e := .expr -}}
  {{- $where := .where -}}
  {{- if not (kindIs "map" $e) -}}
    {{- $msg := print "%s: %v is not a match expression; "
        "write {key: ..., operator: In|NotIn|Exists|DoesNotExist, values: [...]}" -}}
    {{- fail (printf $msg $where $e) -}}
  {{- end -}}
  {{- if not $e.key -}}{{- fail (printf "%s.key: a match expression needs a label key" $where) -}}{{- end -}}
  {{- include "netpol._label.key" (dict "key" $e.key "where" $where) -}}
  {{- $op := toString $e.operator -}}
  {{- if not (has $op (list "In" "NotIn" "Exists" "DoesNotExist")) -}}
    {{- fail (printf "%s.operator: %q is not a selector operator; use In, NotIn, Exists or DoesNotExist" $where $op) -}}
  {{- end -}}
  {{- $out := dict "key" $e.key "operator" $op -}}
  {{- if has $op (list "In" "NotIn") -}}
    {{- if or (not (kindIs "slice" $e.values)) (not $e.values) -}}
      {{- fail (printf "%s.values: operator %s needs a non-empty list of values" $where $op) -}}
    {{- end -}}
    {{- $values := list -}}
    {{- range $i, $raw := $e.values -}}
      {{- /* toString, not netpol._label.expand: a null value is refused here, as "<nil>" */ -}}
      {{- $value := toString $raw -}}
      {{- if contains "{{" $value -}}{{- $value = tpl $value $.ctx -}}{{- end -}}
      {{- include "netpol._label.value" (dict "value" $value "where" (printf "%s.values[%d]" $where $i)) -}}
      {{- $values = append $values $value -}}
    {{- end -}}
    {{- $_ := set $out "values" $values -}}
  {{- else if $e.values -}}
    {{- fail (printf "%s.values: operator %s takes no values; remove them" $where $op) -}}
  {{- end -}}
  {{- toJson $out -}}
{{- end -}}
