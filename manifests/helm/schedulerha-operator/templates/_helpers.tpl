{{/*
Prefix of every object name: fullnameOverride, else the release name.
*/}}
{{- define "schedulerha.fullname" -}}
{{- .Values.fullnameOverride | default .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels of every object (add app.kubernetes.io/component after it).
*/}}
{{- define "schedulerha.labels" -}}
app.kubernetes.io/name: schedulerha-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: schedulerha
{{- end -}}

{{/*
Selector of the operator pods.
*/}}
{{- define "schedulerha.selectorLabels" -}}
app.kubernetes.io/name: schedulerha-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{/*
The operator image.
*/}}
{{- define "schedulerha.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/*
The operator's ServiceAccount.
*/}}
{{- define "schedulerha.operatorServiceAccountName" -}}
{{- if .Values.serviceAccount.name -}}
{{ .Values.serviceAccount.name }}
{{- else -}}
{{ include "schedulerha.fullname" . }}-operator
{{- end -}}
{{- end -}}
