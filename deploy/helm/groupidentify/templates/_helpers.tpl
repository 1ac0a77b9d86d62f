{{/* The chart's name, shortened to fit a DNS label. */}}
{{- define "groupidentify.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Base name of every object: the release name, with the chart's name unless it holds it. */}}
{{- define "groupidentify.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "groupidentify.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "groupidentify.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component; call with (dict "root" $ "component" "ingest"). */}}
{{- define "groupidentify.selectorLabels" -}}
app.kubernetes.io/name: {{ include "groupidentify.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "groupidentify.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The Secret holding the Redis and MongoDB URLs: yours, or the one this chart renders. */}}
{{- define "groupidentify.secretName" -}}
{{- .Values.connections.existingSecret | default (printf "%s-connections" (include "groupidentify.fullname" .)) }}
{{- end }}

{{/*
Stops the render on settings that would break the deployment: a grace period the apps' shutdown
does not fit in, a Redis mode the apps do not know, more workers than partitions, a metrics port
turned off (the worker's probes and the autoscaler read it).
*/}}
{{- define "groupidentify.checks" -}}
{{- $grace := int .Values.terminationGracePeriodSeconds }}
{{- $drain := add 25 (int .Values.ingest.preStopSleepSeconds) }}
{{- if le $grace $drain }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be above the apps' 25 s shutdown deadline plus ingest.preStopSleepSeconds (%d s in all)" $grace $drain) }}
{{- end }}
{{- if not (has .Values.connections.redisMode (list "single" "cluster" "sentinel")) }}
{{- fail (printf "connections.redisMode must be single, cluster or sentinel, not %q" .Values.connections.redisMode) }}
{{- end }}
{{- if and (eq .Values.connections.redisMode "sentinel") (not .Values.connections.redisSentinels) }}
{{- fail "connections.redisSentinels (host:port,host:port) is needed with redisMode sentinel" }}
{{- end }}
{{- if and .Values.worker.keda.enabled (gt (int .Values.worker.keda.maxReplicaCount) (int .Values.config.partitions)) }}
{{- fail (printf "worker.keda.maxReplicaCount (%d) is above config.partitions (%d): the extra workers would have no partition to consume" (int .Values.worker.keda.maxReplicaCount) (int .Values.config.partitions)) }}
{{- end }}
{{- if or (lt (int .Values.ingest.metricsPort) 1) (lt (int .Values.worker.metricsPort) 1) }}
{{- fail "ingest.metricsPort and worker.metricsPort must be set: probes, scraping and the autoscaler use them" }}
{{- end }}
{{- $managed := list "PORT" "METRICS_PORT" "PARTITIONS" "QUEUE_PREFIX" "LOG_LEVEL" "REDIS_URL" "REDIS_CLUSTER_NODES" "REDIS_SENTINELS" "REDIS_SENTINEL_MASTER" "MONGO_URL" "ADMIN_TOKEN" }}
{{- range $key, $_ := merge (dict) (.Values.ingest.env | default dict) (.Values.worker.env | default dict) }}
{{- if has $key $managed }}
{{- fail (printf "%s is set by the chart (see README.md): remove it from ingest.env / worker.env" $key) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Environment shared by ingest and the workers: partitions, queue names, Redis, MongoDB. */}}
{{- define "groupidentify.sharedEnv" -}}
- name: PARTITIONS
  value: {{ .Values.config.partitions | quote }}
- name: QUEUE_PREFIX
  value: {{ .Values.config.queuePrefix | quote }}
- name: LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
{{- if eq .Values.connections.redisMode "cluster" }}
- name: REDIS_CLUSTER_NODES
  valueFrom:
    secretKeyRef:
      name: {{ include "groupidentify.secretName" . }}
      key: {{ .Values.connections.secretKeys.redisClusterNodes }}
{{- else }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "groupidentify.secretName" . }}
      key: {{ .Values.connections.secretKeys.redisUrl }}
{{- if eq .Values.connections.redisMode "sentinel" }}
- name: REDIS_SENTINELS
  value: {{ .Values.connections.redisSentinels | quote }}
- name: REDIS_SENTINEL_MASTER
  value: {{ .Values.connections.redisSentinelMaster | quote }}
{{- end }}
{{- end }}
- name: MONGO_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "groupidentify.secretName" . }}
      key: {{ .Values.connections.secretKeys.mongoUrl }}
{{- end }}

{{/* A map of settings (NAME: value) as env entries, sorted by name. */}}
{{- define "groupidentify.envMap" -}}
{{- range $key, $value := . }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* Pod-level settings shared by both Deployments. */}}
{{- define "groupidentify.podSpecCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
automountServiceAccountToken: false
enableServiceLinks: false
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{/* Rolls the pods when the rendered Secret changes (nothing to hash for an existing Secret). */}}
{{- define "groupidentify.secretChecksum" -}}
{{- if not .Values.connections.existingSecret }}
checksum/connections: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/* The label matchers of gi_backlog_jobs in the KEDA query. */}}
{{- define "groupidentify.backlogSelector" -}}
{{- .Values.worker.keda.metricSelector | default (printf "namespace=%q,service=%q" .Release.Namespace (printf "%s-ingest-metrics" (include "groupidentify.fullname" .))) }}
{{- end }}
