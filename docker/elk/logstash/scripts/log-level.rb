# Logstash ruby filter script (docker/elk/logstash/pipeline/flotilla.conf,
# `ruby { path => ... }`): sets [log][level] on a line that did not bring one.
#
# PostgreSQL, Prometheus, Alertmanager, the exporters and RabbitMQ write every
# log line, info included, to stderr, so the stream says nothing about the
# level (issue 14, finding 4). The line itself does, in one of these forms:
#   logfmt (Prometheus 2, Alertmanager, postgres_exporter):  ... level=info msg=...
#   slog (Prometheus 3, newer exporters):                    ... level=INFO source=...
#   PostgreSQL (log_line_prefix '%m [%p] '):                 ... [42] LOG:  checkpoint ...
#   RabbitMQ 3.9+:                                           ... [info] <0.230.0> ...
#   nginx error log:                                         ... [notice] 1#1: ...
#   PostgreSQL's client programs (initdb, pg_ctl):           initdb: warning: ...
# Only when none matches does the stream decide: stderr -> error, else info.
# Tested with real captured lines by tools/observability/test/log-level.test.ts
# (Debian's Ruby; Logstash runs the same code on JRuby).

LOGFMT_LEVEL = /(?:\A|\s)level="?([A-Za-z]+)"?(?=\s|\z)/
POSTGRES_LEVEL = /(?:\A|\s)(DEBUG[1-5]?|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC):  /
BRACKET_LEVEL = /\A\S+ \S+ \[(debug|info|notice|warning|warn|error|critical|alert|emergency)\] /
NGINX_LEVEL = /\A\S+ \S+ \[(debug|info|notice|warn|error|crit|alert|emerg)\] \d+#\d+:/
FRONTEND_LEVEL = /\A[a-z_]+: (error|warning|detail|hint|fatal): /

# Spellings of the same level, to the words the services use (winston, ECS).
CANONICAL = {
  'warning' => 'warn', 'err' => 'error', 'eror' => 'error', 'crit' => 'critical', 'emerg' => 'emergency',
  'log' => 'info', 'notice' => 'notice', 'hint' => 'info', 'detail' => 'info', 'fatal' => 'fatal', 'panic' => 'fatal',
  'debug1' => 'debug', 'debug2' => 'debug', 'debug3' => 'debug', 'debug4' => 'debug', 'debug5' => 'debug',
}.freeze

def register(params); end

# The level named by the line, or nil when it names none.
def level_of(message)
  return nil unless message.is_a?(String)
  found = message[LOGFMT_LEVEL, 1] || message[POSTGRES_LEVEL, 1] || message[BRACKET_LEVEL, 1] ||
          message[NGINX_LEVEL, 1] || message[FRONTEND_LEVEL, 1]
  return nil if found.nil?
  word = found.downcase
  CANONICAL.fetch(word, word)
end

def filter(event)
  return [event] if event.get('[log][level]')
  level = level_of(event.get('message'))
  level ||= event.get('stream') == 'stderr' ? 'error' : 'info'
  event.set('[log][level]', level)
  [event]
end
