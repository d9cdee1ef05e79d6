{{/* A deny-by-default NetworkPolicy for the pods matching .selector; .ports opens them. */}}
{{- define "tinylib.policy" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .name }}
  namespace: {{ .namespace }}
spec:
  podSelector:
    matchLabels: {{- toYaml .selector | nindent 6 }}
  policyTypes: [Ingress]
  {{- if .ports }}
  ingress:
    - ports:
        {{- range .ports }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
      from:
        - podSelector: {}
  {{- end }}
{{- end -}}
