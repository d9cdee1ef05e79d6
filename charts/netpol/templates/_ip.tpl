{{/*
IP addresses as bit strings ("0101...", 32 or 128 characters), internal: sprig has no
integer wide enough for IPv6, and as bits "is this CIDR canonical" and "is this except
inside that cidr" become prefix comparisons (see _cidr.tpl).
*/}}

{{/*
netpol._ip.bits4: dotted quad -> 32-character bit string, or fail.
Params:
  - addr - String - Required. The address part of the CIDR, lowercased and trimmed.
  - raw - String - Required. The CIDR as written, quoted in messages.
  - where - String - Required. The value path of the CIDR, named in messages.
Output: 32 characters "0" or "1"
*/}}
{{- define "netpol._ip.bits4" -}}
  {{- $octets := splitList "." .addr -}}
  {{- if ne (len $octets) 4 -}}
    {{- fail (printf "%s: %q is not a valid IPv4 address (it needs four dot-separated numbers)" .where .raw) -}}
  {{- end -}}
  {{- $bits := "" -}}
  {{- range $octet := $octets -}}
    {{- if not (regexMatch "^(0|[1-9][0-9]{0,2})$" $octet) -}}
      {{- fail (printf "%s: %q is not a valid IPv4 address (%q is not a number from 0 to 255 without leading zeros)"
          $.where $.raw $octet) -}}
    {{- end -}}
    {{- if gt (atoi $octet) 255 -}}
      {{- fail (printf "%s: %q is not a valid IPv4 address (%s is above 255)" $.where $.raw $octet) -}}
    {{- end -}}
    {{- $bits = printf "%s%08b" $bits (atoi $octet) -}}
  {{- end -}}
  {{- $bits -}}
{{- end -}}

{{/*
netpol._ip.bits6: IPv6 text -> 128-character bit string, or fail.
Params:
  - addr - String - Required. The address part of the CIDR, lowercased and trimmed.
  - raw - String - Required. The CIDR as written, quoted in messages.
  - where - String - Required. The value path of the CIDR, named in messages.
Output: 128 characters "0" or "1"
*/}}
{{- define "netpol._ip.bits6" -}}
  {{- $groups := (include "netpol._ip.groups6" . | fromJson).items -}}
  {{- $hex := dict "0" 0 "1" 1 "2" 2 "3" 3 "4" 4 "5" 5 "6" 6 "7" 7 "8" 8 "9" 9
      "a" 10 "b" 11 "c" 12 "d" 13 "e" 14 "f" 15 -}}
  {{- $bits := "" -}}
  {{- range $group := $groups -}}
    {{- if not (regexMatch "^[0-9a-f]{1,4}$" $group) -}}
      {{- fail (printf "%s: %q is not a valid IPv6 address (group %q must be 1 to 4 hex digits)"
          $.where $.raw $group) -}}
    {{- end -}}
    {{- $padded := printf "%4s" $group | replace " " "0" -}}
    {{- range $digit := splitList "" $padded -}}
      {{- $bits = printf "%s%04b" $bits (get $hex $digit) -}}
    {{- end -}}
  {{- end -}}
  {{- $bits -}}
{{- end -}}

{{/*
netpol._ip.groups6: IPv6 text -> its eight groups as written, "::" expanded to zero groups.
Params:
  - addr - String - Required. The address part of the CIDR, lowercased and trimmed.
  - raw - String - Required. The CIDR as written, quoted in messages.
  - where - String - Required. The value path of the CIDR, named in messages.
Output: JSON {"items": [group...]} (the groups are checked by netpol._ip.bits6)
*/}}
{{- define "netpol._ip.groups6" -}}
  {{- $addr := .addr -}}
  {{- if not (regexMatch "^[0-9a-f:]+$" $addr) -}}
    {{- $msg := print "%s: %q is not a valid IPv6 address "
        "(only hex digits and \":\"; write IPv4-mapped addresses in hex form)" -}}
    {{- fail (printf $msg .where .raw) -}}
  {{- end -}}
  {{- $halves := splitList "::" $addr -}}
  {{- if gt (len $halves) 2 -}}
    {{- fail (printf "%s: %q is not a valid IPv6 address (\"::\" may appear only once)" .where .raw) -}}
  {{- end -}}
  {{- $head := list -}}
  {{- $tail := list -}}
  {{- if ne (index $halves 0) "" -}}{{- $head = splitList ":" (index $halves 0) -}}{{- end -}}
  {{- if and (eq (len $halves) 2) (ne (index $halves 1) "") -}}
    {{- $tail = splitList ":" (index $halves 1) -}}
  {{- end -}}
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
  {{- toJson (dict "items" $groups) -}}
{{- end -}}

{{/*
netpol._ip.format: bit string (full width) -> canonical address text: dotted quad, or
IPv6 as RFC 5952 writes it (lowercase, no leading zeros, the longest run of two or
more zero groups, the first of equals, as "::").
Params:
  - bits - String - Required. 32 or 128 characters "0" or "1".
  - family - Int - Required. 4 or 6.
Output: the address as text
*/}}
{{- define "netpol._ip.format" -}}
  {{- if eq (int .family) 4 -}}
    {{- $octets := list -}}
    {{- range $i := until 4 -}}
      {{- $octet := substr (mul $i 8 | int) (mul (add1 $i) 8 | int) $.bits -}}
      {{- $octets = append $octets (include "netpol._ip.binToInt" $octet) -}}
    {{- end -}}
    {{- join "." $octets -}}
  {{- else -}}
    {{- include "netpol._ip.format6" .bits -}}
  {{- end -}}
{{- end -}}

{{/*
netpol._ip.format6: 128 bits -> RFC 5952 text.
Params:
  - . - String - Required. 128 characters "0" or "1".
Output: the address as text
*/}}
{{- define "netpol._ip.format6" -}}
  {{- $bits := . -}}
  {{- $groups := list -}}
  {{- range $i := until 8 -}}
    {{- $group := substr (mul $i 16 | int) (mul (add1 $i) 16 | int) $bits -}}
    {{- $groups = append $groups (printf "%x" (include "netpol._ip.binToInt" $group | atoi)) -}}
  {{- end -}}
  {{- $best := dict "start" -1 "len" 0 -}}
  {{- $run := dict "start" -1 "len" 0 -}}
  {{- range $i, $g := $groups -}}
    {{- if eq $g "0" -}}
      {{- if lt (int $run.start) 0 -}}{{- $_ := set $run "start" $i -}}{{- $_ := set $run "len" 0 -}}{{- end -}}
      {{- $_ := set $run "len" (add1 $run.len) -}}
      {{- if gt (int $run.len) (int $best.len) -}}
        {{- $_ := set $best "start" $run.start -}}{{- $_ := set $best "len" $run.len -}}
      {{- end -}}
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

{{/*
netpol._ip.binToInt: "0101" -> 5.
Params:
  - . - String - Required. Binary digits.
Output: the number as text
*/}}
{{- define "netpol._ip.binToInt" -}}
  {{- $n := 0 -}}
  {{- range $b := splitList "" . -}}{{- $n = add (mul $n 2) (atoi $b) -}}{{- end -}}
  {{- $n -}}
{{- end -}}
