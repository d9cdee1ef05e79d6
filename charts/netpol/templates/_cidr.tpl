{{/*
netpol._cidr.parse (internal): one CIDR, validated and made canonical.
Params:
  - value - String - Required. The CIDR as written; a bare address is a host route (/32 or /128).
  - where - String - Required. The value path of the CIDR, named in messages.
Output: JSON {"cidr": canonical "a.b.c.d/n" or "x::/n", "family": 4|6, "prefix": n,
              "bits": network bits (first n bits)}
Anything that is not a valid, canonical CIDR stops the render with a message naming the value.
*/}}
{{- define "netpol._cidr.parse" -}}
  {{- $where := .where -}}
  {{- $raw := .value -}}
  {{- if not (kindIs "string" $raw) -}}
    {{- fail (printf "%s: %v is not a CIDR; write a string such as \"10.0.0.0/8\" or \"fd00::/64\"" $where $raw) -}}
  {{- end -}}
  {{- $value := trim $raw | lower -}}
  {{- $parts := splitList "/" $value -}}
  {{- if gt (len $parts) 2 -}}
    {{- fail (printf "%s: %q is not a CIDR (more than one \"/\"); write it as ADDRESS/PREFIX" $where $raw) -}}
  {{- end -}}
  {{- $addr := first $parts -}}
  {{- $family := 0 -}}
  {{- $bits := "" -}}
  {{- $input := dict "addr" $addr "raw" $raw "where" $where -}}
  {{- if and (eq (len $parts) 2) (eq (last $parts) "") -}}
    {{- $msg := "%s: %q has no prefix length after \"/\"; write e.g. %s/24, or the bare address for a single host" -}}
    {{- fail (printf $msg $where $raw $addr) -}}
  {{- else if regexMatch "^[0-9.]+$" $addr -}}
    {{- $family = 4 -}}{{- $bits = include "netpol._ip.bits4" $input -}}
  {{- else if contains ":" $addr -}}
    {{- $family = 6 -}}{{- $bits = include "netpol._ip.bits6" $input -}}
  {{- else -}}
    {{- $msg := print "%s: %q is not an IPv4 or IPv6 CIDR; "
        "write it as ADDRESS/PREFIX, e.g. \"10.0.0.0/8\" or \"fd00::/64\"" -}}
    {{- fail (printf $msg $where $raw) -}}
  {{- end -}}
  {{- $text := ternary (last $parts) "" (eq (len $parts) 2) -}}
  {{- $prefix := include "netpol._cidr.prefix" (dict "text" $text "family" $family "raw" $raw "where" $where) | int -}}
  {{- $parsed := dict "bits" $bits "family" $family "prefix" $prefix "raw" $raw "where" $where -}}
  {{- include "netpol._cidr.canonical" $parsed -}}
{{- end -}}

{{/*
netpol._cidr.prefix: the prefix length written after "/", checked.
Params:
  - text - String - Required. The prefix as written; "" means a host route.
  - family - Int - Required. 4 or 6.
  - raw - String - Required. The CIDR as written, quoted in messages.
  - where - String - Required. The value path of the CIDR, named in messages.
Output: the prefix length as text
*/}}
{{- define "netpol._cidr.prefix" -}}
  {{- $width := ternary 32 128 (eq (int .family) 4) -}}
  {{- $prefix := $width -}}
  {{- if ne .text "" -}}
    {{- if not (regexMatch "^(0|[1-9][0-9]{0,2})$" .text) -}}
      {{- fail (printf "%s: %q has prefix length %q; it must be a whole number from 0 to %d"
          .where .raw .text $width) -}}
    {{- end -}}
    {{- $prefix = atoi .text -}}
    {{- if gt $prefix $width -}}
      {{- fail (printf "%s: %q has prefix length %d; an IPv%d prefix is at most %d"
          .where .raw $prefix (int .family) $width) -}}
    {{- end -}}
  {{- end -}}
  {{- $prefix -}}
{{- end -}}

{{/*
netpol._cidr.canonical: address bits and prefix -> the parse output; refuses host bits
after the prefix (a wider range than written) and IPv4-mapped IPv6.
Params:
  - bits - String - Required. The address as a full-width bit string (see _ip.tpl).
  - family - Int - Required. 4 or 6.
  - prefix - Int - Required. The prefix length.
  - raw - String - Required. The CIDR as written, quoted in messages.
  - where - String - Required. The value path of the CIDR, named in messages.
Output: JSON {"cidr", "family", "prefix", "bits"}, as netpol._cidr.parse describes
*/}}
{{- define "netpol._cidr.canonical" -}}
  {{- $family := int .family -}}
  {{- $width := ternary 32 128 (eq $family 4) -}}
  {{- $prefix := int .prefix -}}
  {{- $network := substr 0 $prefix .bits -}}
  {{- if contains "1" (substr $prefix $width .bits) -}}
    {{- $zeros := repeat (sub $width $prefix | int) "0" -}}
    {{- $address := include "netpol._ip.format" (dict "bits" (printf "%s%s" $network $zeros) "family" $family) -}}
    {{- $msg := print "%s: %q has host bits set after the /%d prefix, so it would allow a wider range than it names; "
        "write the network address (%s) or a host route (/%d)" -}}
    {{- fail (printf $msg .where .raw $prefix $address $width) -}}
  {{- end -}}
  {{- if and (eq $family 6) (eq (substr 0 96 .bits) (printf "%s%s" (repeat 80 "0") (repeat 16 "1"))) -}}
    {{- $address := include "netpol._ip.format" (dict "bits" (substr 96 128 .bits) "family" 4) -}}
    {{- $msg := print "%s: %q is an IPv4-mapped IPv6 address, which the API server refuses; "
        "write the IPv4 address (%s) instead" -}}
    {{- fail (printf $msg .where .raw $address) -}}
  {{- end -}}
  {{- /* Rendered in canonical form (RFC 5952 for IPv6), whatever spelling was written. */ -}}
  {{- $cidr := printf "%s/%d" (include "netpol._ip.format" (dict "bits" .bits "family" $family)) $prefix -}}
  {{- toJson (dict "cidr" $cidr "family" $family "prefix" $prefix "bits" $network) -}}
{{- end -}}

{{/*
netpol._cidr.ipBlock: one validated ipBlock.
Params:
  - cidr - String - Required. The block's CIDR as written.
  - except - List - Optional. CIDRs to carve out of it.
  - where - String - Required. The value path of the cidr, named in messages.
  - exceptWhere - String - Optional. The value path that holds except (default: where).
Output: JSON {"cidr": ..., "except": [...]} (except omitted when empty)
Every except must be of the cidr's family and strictly inside it; otherwise the
API server would reject the object (or, worse, the intent is unclear).
*/}}
{{- define "netpol._cidr.ipBlock" -}}
  {{- $outer := include "netpol._cidr.parse" (dict "value" .cidr "where" .where) | fromJson -}}
  {{- $block := dict "cidr" $outer.cidr -}}
  {{- $excepts := list -}}
  {{- if and .except (not (kindIs "slice" .except)) -}}
    {{- fail (printf "%s.except: give a list of CIDRs, e.g. [%q]"
        (.exceptWhere | default .where) (toString .except)) -}}
  {{- end -}}
  {{- range $i, $raw := (.except | default list) -}}
    {{- $w := printf "%s.except[%d]" ($.exceptWhere | default $.where) $i -}}
    {{- $inner := include "netpol._cidr.parse" (dict "value" $raw "where" $w) | fromJson -}}
    {{- if ne (int $inner.family) (int $outer.family) -}}
      {{- $msg := "%s: %q is IPv%d but its cidr %q is IPv%d; an except must be of the same family as its cidr" -}}
      {{- fail (printf $msg $w $raw (int $inner.family) $outer.cidr (int $outer.family)) -}}
    {{- end -}}
    {{- if or (le (int $inner.prefix) (int $outer.prefix)) (not (hasPrefix $outer.bits $inner.bits)) -}}
      {{- $msg := "%s: %q is not strictly inside %q; an except must carve a smaller range out of its cidr" -}}
      {{- fail (printf $msg $w $raw $outer.cidr) -}}
    {{- end -}}
    {{- $excepts = append $excepts $inner.cidr -}}
  {{- end -}}
  {{- if $excepts -}}{{- $_ := set $block "except" $excepts -}}{{- end -}}
  {{- toJson $block -}}
{{- end -}}

{{/*
netpol._cidr.blocks: CIDRs given as one string or a list -> one ipBlock each.
Params:
  - cidrs - String|List - Optional. The CIDRs as written.
  - where - String - Required. The value path of the value, named in messages.
Output: JSON {"items": [{"ipBlock": ...}], "cidrs": [as written]}
A list's items are named where[i]; a single string is named where.
*/}}
{{- define "netpol._cidr.blocks" -}}
  {{- $cidrs := (include "netpol._list" (dict "value" .cidrs) | fromJson).items -}}
  {{- $items := list -}}
  {{- range $i, $c := $cidrs -}}
    {{- $w := ternary (printf "%s[%d]" $.where $i) $.where (kindIs "slice" $.cidrs) -}}
    {{- $block := include "netpol._cidr.ipBlock" (dict "cidr" $c "where" $w) | fromJson -}}
    {{- $items = append $items (dict "ipBlock" $block) -}}
  {{- end -}}
  {{- toJson (dict "items" $items "cidrs" $cidrs) -}}
{{- end -}}
