{{/* The pod template of one workload: its app and tier labels, its named ports. */}}
{{- define "wide.pod" -}}
metadata:
  labels:
    app: {{ .name }}
    {{- with .tier }}
    tier: {{ . }}
    {{- end }}
spec:
  {{- if has .kind (list "Job" "CronJob") }}
  restartPolicy: OnFailure
  {{- end }}
  containers:
    - name: main
      image: registry.invalid/{{ .name }}:1.0
      {{- with .ports }}
      ports:
        {{- range $port, $number := . }}
        - {name: {{ $port }}, containerPort: {{ $number }}}
        {{- end }}
      {{- end }}
{{- end }}
