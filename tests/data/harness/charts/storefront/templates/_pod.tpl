{{/* The pod template of one workload: labels from its tier and clients, its named ports. */}}
{{- define "storefront.pod" -}}
metadata:
  labels:
    app: {{ .name }}
    {{- with .tier }}
    tier: {{ . }}
    {{- end }}
    {{- range .clients }}
    {{ . }}-client: "true"
    {{- end }}
spec:
  {{- if has .kind (list "Job" "CronJob") }}
  restartPolicy: OnFailure
  {{- end }}
  containers:
    - name: {{ .name }}
      image: registry.invalid/{{ .name }}:1.0
      ports:
        {{- range $port, $number := .ports }}
        - {name: {{ $port }}, containerPort: {{ $number }}}
        {{- end }}
        {{- if eq .namespace "shop" }}
        - {name: metrics, containerPort: 9102}
        {{- end }}
{{- end }}
