import { Counter, Histogram, type Registry } from 'prom-client';

export interface MessagingMetrics {
  published: Counter<'event'>;
  confirmed: Counter<'event'>;
  nacked: Counter<'event'>;
  returned: Counter<'event'>;
  consumed: Counter<'queue' | 'event' | 'outcome'>;
  retried: Counter<'queue'>;
  parked: Counter<'queue' | 'reason'>;
  handlerDuration: Histogram<'queue'>;
}

const byRegistry = new WeakMap<Registry, MessagingMetrics>();

/**
 * One set per registry: a publisher, consumers and a relay of one app share it.
 * The names are fixed; docker/prometheus alerts and the dashboards use them.
 */
export function messagingMetrics(registry: Registry): MessagingMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: MessagingMetrics = {
    published: new Counter({ name: 'messaging_published_total', help: 'Events handed to the broker', labelNames: ['event'], registers }),
    confirmed: new Counter({ name: 'messaging_confirmed_total', help: 'Published events the broker confirmed', labelNames: ['event'], registers }),
    nacked: new Counter({
      name: 'messaging_nacked_total',
      help: 'Published events not confirmed: broker nack, publish timeout or channel closed',
      labelNames: ['event'],
      registers,
    }),
    returned: new Counter({
      name: 'messaging_returned_total',
      help: 'Published events the broker returned because no queue is bound to their routing key (mandatory flag)',
      labelNames: ['event'],
      registers,
    }),
    consumed: new Counter({
      name: 'messaging_consumed_total',
      help: 'Deliveries handled, by outcome (processed, duplicate, retried, parked, failed, dropped)',
      labelNames: ['queue', 'event', 'outcome'],
      registers,
    }),
    retried: new Counter({ name: 'messaging_retried_total', help: 'Deliveries sent to a delay queue for another attempt', labelNames: ['queue'], registers }),
    parked: new Counter({ name: 'messaging_parked_total', help: 'Deliveries sent to the parking queue', labelNames: ['queue', 'reason'], registers }),
    handlerDuration: new Histogram({
      name: 'messaging_handler_duration_seconds',
      help: 'Handler time including its inbox transaction',
      labelNames: ['queue'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
