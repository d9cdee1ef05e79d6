{{/*
CIDR and IP handling. Addresses are turned into bit strings ("0101...", 32 or 128
characters) so that "is this CIDR canonical" and "does this except lie inside that
cidr" become prefix comparisons: sprig has no integer type wide enough for IPv6.

netpol.cidr.parse
  input:  dict "value" STRING "where" VALUE-PATH
  output: JSON {"cidr": canonical "a.b.c.d/n" or "x::/n", "family": 4|6, "prefix": n,
                "bits": network bits (first n bits)}
  A bare address is a host route (/32 or /128). Anything else that is not a valid,
  canonical CIDR stops the render with a message naming the value.
*/}}
{{- define "netpol.cidr.parse" -}}
{{- $where := .where -}}
{{- $raw := .value -}}
{{- if not (kindIs "string" $raw) -}}
{{- fail (printf "%s: %v is not a CIDR; write a string such as \"10.0.0.0/8\" or \"fd00::/64\"" $where $raw) -}}
{{- end -}}
{{- $value := trim $raw | lower -}}
{{- $addr := $value -}}
{{- $prefixText := "" -}}
{{- if contains "/" $value -}}
{{- $parts := splitList "/" $value -}}
{{- if ne (len $parts) 2 -}}
{{- fail (printf "%s: %q is not a CIDR (more than one \"/\"); write it as ADDRESS/PREFIX" $where $raw) -}}
{{- end -}}
{{- $addr = index $parts 0 -}}
{{- $prefixText = index $parts 1 -}}
{{- if eq $prefixText "" -}}
{{- fail (printf "%s: %q has no prefix length after \"/\"; write e.g. %s/24, or the bare address for a single host" $where $raw $addr) -}}
{{- end -}}
{{- end -}}
{{- $bits := "" -}}
{{- $family := 0 -}}
{{- if regexMatch "^[0-9.]+$" $addr -}}
{{- $family = 4 -}}
{{- $bits = include "netpol.ip.bits4" (dict "addr" $addr "raw" $raw "where" $where) -}}
{{- else if contains ":" $addr -}}
{{- $family = 6 -}}
{{- $bits = include "netpol.ip.bits6" (dict "addr" $addr "raw" $raw "where" $where) -}}
{{- else -}}
{{- fail (printf "%s: %q is not an IPv4 or IPv6 CIDR; write it as ADDRESS/PREFIX, e.g. \"10.0.0.0/8\" or \"fd00::/64\"" $where $raw) -}}
{{- end -}}
{{- $width := ternary 32 128 (eq $family 4) -}}
{{- $prefix := $width -}}
{{- if ne $prefixText "" -}}
{{- if not (regexMatch "^(0|[1-9][0-9]{0,2})$" $prefixText) -}}
{{- fail (printf "%s: %q has prefix length %q; it must be a whole number from 0 to %d" $where $raw $prefixText $width) -}}
{{- end -}}
{{- $prefix = atoi $prefixText -}}
{{- if gt $prefix $width -}}
{{- fail (printf "%s: %q has prefix length %d; an IPv%d prefix is at most %d" $where $raw $prefix $family $width) -}}
{{- end -}}
{{- end -}}
{{- $network := substr 0 $prefix $bits -}}
{{- $host := substr $prefix $width $bits -}}
{{- if contains "1" $host -}}
{{- fail (printf "%s: %q has host bits set after the /%d prefix, so it would allow a wider range than it names; write the network address (%s) or a host route (/%d)" $where $raw $prefix (include "netpol.ip.format" (dict "bits" (printf "%s%s" $network (repeat (sub $width $prefix | int) "0")) "family" $family "prefix" $prefix)) $width) -}}
{{- end -}}
{{- if and (eq $family 6) (eq (substr 0 96 $bits) (printf "%s%s" (repeat 80 "0") (repeat 16 "1"))) -}}
{{- fail (printf "%s: %q is an IPv4-mapped IPv6 address, which the API server refuses; write the IPv4 address (%s) instead" $where $raw (include "netpol.ip.format" (dict "bits" (substr 96 128 $bits) "family" 4))) -}}
{{- end -}}
{{- /* Rendered in canonical form (RFC 5952 for IPv6), whatever spelling was written. */ -}}
{{- $cidr := printf "%s/%d" (include "netpol.ip.format" (dict "bits" $bits "family" $family)) $prefix -}}
{{- toJson (dict "cidr" $cidr "family" $family "prefix" $prefix "bits" $network) -}}
{{- end -}}

{{/* netpol.ip.bits4: dotted quad -> 32-character bit string, or fail. */}}
{{- define "netpol.ip.bits4" -}}
{{- $octets := splitList "." .addr -}}
{{- if ne (len $octets) 4 -}}
{{- fail (printf "%s: %q is not a valid IPv4 address (it needs four dot-separated numbers)" .where .raw) -}}
{{- end -}}
{{- $bits := "" -}}
{{- range $octet := $octets -}}
{{- if not (regexMatch "^(0|[1-9][0-9]{0,2})$" $octet) -}}
{{- fail (printf "%s: %q is not a valid IPv4 address (%q is not a number from 0 to 255 without leading zeros)" $.where $.raw $octet) -}}
{{- end -}}
{{- if gt (atoi $octet) 255 -}}
{{- fail (printf "%s: %q is not a valid IPv4 address (%s is above 255)" $.where $.raw $octet) -}}
{{- end -}}
{{- $bits = printf "%s%08b" $bits (atoi $octet) -}}
{{- end -}}
{{- $bits -}}
{{- end -}}

{{/* netpol.ip.bits6: IPv6 text -> 128-character bit string, or fail. */}}
{{- define "netpol.ip.bits6" -}}
{{- $addr := .addr -}}
{{- if not (regexMatch "^[0-9a-f:]+$" $addr) -}}
{{- fail (printf "%s: %q is not a valid IPv6 address (only hex digits and \":\"; write IPv4-mapped addresses in hex form)" .where .raw) -}}
{{- end -}}
{{- $halves := splitList "::" $addr -}}
{{- if gt (len $halves) 2 -}}
{{- fail (printf "%s: %q is not a valid IPv6 address (\"::\" may appear only once)" .where .raw) -}}
{{- end -}}
{{- $head := list -}}
{{- $tail := list -}}
{{- if ne (index $halves 0) "" -}}{{- $head = splitList ":" (index $halves 0) -}}{{- end -}}
{{- if and (eq (len $halves) 2) (ne (index $halves 1) "") -}}{{- $tail = splitList ":" (index $halves 1) -}}{{- end -}}
{{- $count := add (len $head) (len $tail) | int -}}
{{- if eq (len $halves) 1 -}}
{{- if ne $count 8 -}}
{{- fail (printf "%s: %q is not a valid IPv6 address (it needs eight groups, or \"::\")" .where .raw) -}}
{{- end -}}
{{- else if gt $count 7 -}}
{{- fail (printf "%s: %q is not a valid IPv6 address (too many groups around \"::\")" .where .raw) -}}
{{- end -}}
{{- $groups := concat $head (splitList "," (repeat (sub 8 $count | int) "0," | trimSuffix ",")) $tail -}}
{{- if eq $count 8 -}}{{- $groups = concat $head $tail -}}{{- end -}}
{{- $hex := dict "0" 0 "1" 1 "2" 2 "3" 3 "4" 4 "5" 5 "6" 6 "7" 7 "8" 8 "9" 9 "a" 10 "b" 11 "c" 12 "d" 13 "e" 14 "f" 15 -}}
{{- $bits := "" -}}
{{- range $group := $groups -}}
{{- if not (regexMatch "^[0-9a-f]{1,4}$" $group) -}}
{{- fail (printf "%s: %q is not a valid IPv6 address (group %q must be 1 to 4 hex digits)" $.where $.raw $group) -}}
{{- end -}}
{{- $padded := printf "%4s" $group | replace " " "0" -}}
{{- range $digit := splitList "" $padded -}}
{{- $bits = printf "%s%04b" $bits (get $hex $digit) -}}
{{- end -}}
{{- end -}}
{{- $bits -}}
{{- end -}}

{{/*
netpol.ip.format: bit string (full width) -> canonical address text: dotted quad, or
IPv6 as RFC 5952 writes it (lowercase, no leading zeros, the longest run of two or
more zero groups, the first of equals, as "::").
*/}}
{{- define "netpol.ip.format" -}}
{{- $bits := .bits -}}
{{- if eq (int .family) 4 -}}
{{- $octets := list -}}
{{- range $i := until 4 -}}
{{- $octets = append $octets (include "netpol.ip.binToInt" (substr (mul $i 8 | int) (mul (add1 $i) 8 | int) $bits)) -}}
{{- end -}}
{{- join "." $octets -}}
{{- else -}}
{{- $groups := list -}}
{{- range $i := until 8 -}}
{{- $groups = append $groups (printf "%x" (include "netpol.ip.binToInt" (substr (mul $i 16 | int) (mul (add1 $i) 16 | int) $bits) | atoi)) -}}
{{- end -}}
{{- $best := dict "start" -1 "len" 0 -}}
{{- $run := dict "start" -1 "len" 0 -}}
{{- range $i, $g := $groups -}}
{{- if eq $g "0" -}}
{{- if lt (int $run.start) 0 -}}{{- $_ := set $run "start" $i -}}{{- $_ := set $run "len" 0 -}}{{- end -}}
{{- $_ := set $run "len" (add1 $run.len) -}}
{{- if gt (int $run.len) (int $best.len) -}}{{- $_ := set $best "start" $run.start -}}{{- $_ := set $best "len" $run.len -}}{{- end -}}
{{- else -}}
{{- $_ := set $run "start" -1 -}}
{{- end -}}
{{- end -}}
{{- if ge (int $best.len) 2 -}}
{{- $start := int $best.start -}}
{{- printf "%s::%s" (join ":" (slice $groups 0 $start)) (join ":" (slice $groups (add $start $best.len | int))) -}}
{{- else -}}
{{- join ":" $groups -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "netpol.ip.binToInt" -}}
{{- $n := 0 -}}
{{- range $b := splitList "" . -}}{{- $n = add (mul $n 2) (atoi $b) -}}{{- end -}}
{{- $n -}}
{{- end -}}

{{/*
netpol.cidr.ipBlock: one validated ipBlock.
  input:  dict "cidr" STRING "except" LIST "where" VALUE-PATH-of-cidr
               "exceptWhere" VALUE-PATH-that-holds-except (default: where)
  output: JSON {"cidr": ..., "except": [...]} (except omitted when empty)
Every except must be of the cidr's family and strictly inside it; otherwise the
API server would reject the object (or, worse, the intent is unclear).
*/}}
{{- define "netpol.cidr.ipBlock" -}}
{{- $outer := include "netpol.cidr.parse" (dict "value" .cidr "where" .where) | fromJson -}}
{{- $block := dict "cidr" $outer.cidr -}}
{{- $excepts := list -}}
{{- if and .except (not (kindIs "slice" .except)) -}}
{{- fail (printf "%s.except: give a list of CIDRs, e.g. [%q]" (.exceptWhere | default .where) (toString .except)) -}}
{{- end -}}
{{- range $i, $raw := (.except | default list) -}}
{{- $w := printf "%s.except[%d]" ($.exceptWhere | default $.where) $i -}}
{{- $inner := include "netpol.cidr.parse" (dict "value" $raw "where" $w) | fromJson -}}
{{- if ne (int $inner.family) (int $outer.family) -}}
{{- fail (printf "%s: %q is IPv%d but its cidr %q is IPv%d; an except must be of the same family as its cidr" $w $raw (int $inner.family) $outer.cidr (int $outer.family)) -}}
{{- end -}}
{{- if or (le (int $inner.prefix) (int $outer.prefix)) (not (hasPrefix $outer.bits $inner.bits)) -}}
{{- fail (printf "%s: %q is not strictly inside %q; an except must carve a smaller range out of its cidr" $w $raw $outer.cidr) -}}
{{- end -}}
{{- $excepts = append $excepts $inner.cidr -}}
{{- end -}}
{{- if $excepts -}}{{- $_ := set $block "except" $excepts -}}{{- end -}}
{{- toJson $block -}}
{{- end -}}
