# Runs a Logstash ruby filter script (`ruby { path => ... }`) outside Logstash:
#   ruby run-filter.rb SCRIPT < events.jsonl > events.jsonl
# Each input line is one event as JSON; each output line the events the
# script's filter(event) returned. The Event here has the parts of Logstash's
# Event API the scripts use: get/set/remove with [a][b] field references.
require 'json'

class Event
  def initialize(data)
    @data = data
  end

  def to_hash
    @data
  end

  def get(ref)
    path(ref).reduce(@data) { |node, key| node.is_a?(Hash) ? node[key] : nil }
  end

  def set(ref, value)
    keys = path(ref)
    parent = keys[0..-2].reduce(@data) { |node, key| node[key] = {} unless node[key].is_a?(Hash); node[key] }
    parent[keys[-1]] = value
  end

  def remove(ref)
    keys = path(ref)
    parent = get_path(keys[0..-2])
    parent.is_a?(Hash) ? parent.delete(keys[-1]) : nil
  end

  private

  def get_path(keys)
    keys.reduce(@data) { |node, key| node.is_a?(Hash) ? node[key] : nil }
  end

  def path(ref)
    ref.start_with?('[') ? ref.scan(/\[([^\]]+)\]/).flatten : [ref]
  end
end

load ARGV.fetch(0)
register({})
$stdin.each_line do |line|
  next if line.strip.empty?
  filter(Event.new(JSON.parse(line))).each { |event| puts JSON.generate(event.to_hash) }
end
