#!/usr/bin/env node
// The verdicts of tools/stack/observability-check.sh on the APIs' answers, kept
// apart so they are unit-tested on recorded answers
// (tools/observability/test/observability-verdicts.test.ts), since the
// check itself runs only where the official images can be pulled. Each reads
// one JSON answer on stdin, prints what it found on one line, and exits 0 when
// the verdict is yes, 1 when no (a body that is not JSON is a no).
//   hits                 Elasticsearch _search: prints hits.total.value (-1 if unreadable); 0 exit when ≥ 1
//   trace ID SERVICE…    Jaeger GET /api/traces/ID: prints the services of the
//                        trace's spans; 0 exit when it is that trace and every SERVICE is among them
//   dashboard UID        Grafana GET /api/dashboards/uid/UID: 0 exit when it is that dashboard, with panels
//   datasource           Grafana GET /api/datasources/uid/UID/health: 0 exit when status is OK
//   up JOB…              Prometheus GET /api/v1/query?query=up: 0 exit when every JOB has a target and all are up
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export function searchHits(answer) {
  const total = answer?.hits?.total;
  const value = typeof total === 'number' ? total : total?.value;
  return Number.isInteger(value) ? value : -1;
}

/** Service names of the spans of trace `traceId` in a Jaeger query answer ({ data: [{ traceID, spans, processes }] }). */
export function traceServices(answer, traceId) {
  const services = new Set();
  for (const trace of Array.isArray(answer?.data) ? answer.data : []) {
    if (String(trace?.traceID ?? '').toLowerCase() !== traceId.toLowerCase()) continue;
    for (const span of Array.isArray(trace.spans) ? trace.spans : []) {
      const name = trace.processes?.[span?.processID]?.serviceName;
      if (typeof name === 'string') services.add(name);
    }
  }
  return [...services].sort();
}

export function dashboardServed(answer, uid) {
  const dashboard = answer?.dashboard;
  const panels = Array.isArray(dashboard?.panels) ? dashboard.panels.length : 0;
  return { ok: dashboard?.uid === uid && panels > 0, panels };
}

export function datasourceHealthy(answer) {
  return String(answer?.status ?? '').toUpperCase() === 'OK';
}

/** Per job of a Prometheus `up` query answer: how many targets, how many up. */
export function jobsUp(answer) {
  const jobs = {};
  for (const sample of Array.isArray(answer?.data?.result) ? answer.data.result : []) {
    const job = sample?.metric?.job;
    if (typeof job !== 'string') continue;
    jobs[job] ??= { targets: 0, up: 0 };
    jobs[job].targets += 1;
    if (sample.value?.[1] === '1') jobs[job].up += 1;
  }
  return jobs;
}

/** Runs one verdict: { line, ok }. */
export function verdict(args, body) {
  let answer;
  try {
    answer = JSON.parse(body);
  } catch {
    answer = undefined;
  }
  const [name, ...rest] = args;
  switch (name) {
    case 'hits': {
      const n = searchHits(answer);
      return { line: String(n), ok: n >= 1 };
    }
    case 'trace': {
      const [traceId = '', ...want] = rest;
      const services = traceServices(answer, traceId);
      const missing = want.filter((s) => !services.includes(s));
      return { line: services.join(',') || '(no spans)', ok: services.length > 0 && missing.length === 0 };
    }
    case 'dashboard': {
      const { ok, panels } = dashboardServed(answer, rest[0] ?? '');
      return { line: `${panels} panels`, ok };
    }
    case 'datasource': {
      const ok = datasourceHealthy(answer);
      return { line: String(answer?.status ?? 'no status'), ok };
    }
    case 'up': {
      const jobs = jobsUp(answer);
      const ok = rest.length > 0 && rest.every((job) => jobs[job] && jobs[job].targets > 0 && jobs[job].up === jobs[job].targets);
      return { line: rest.map((job) => `${job} ${jobs[job]?.up ?? 0}/${jobs[job]?.targets ?? 0} up`).join(', '), ok };
    }
    default:
      return { line: `unknown verdict ${name ?? '(none)'}`, ok: false };
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { line, ok } = verdict(process.argv.slice(2), readFileSync(0, 'utf8'));
  console.log(line);
  process.exit(ok ? 0 : 1);
}
