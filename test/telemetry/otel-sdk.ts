// An OpenTelemetry SDK for the telemetry tests: in-memory spans, metrics read on demand.
import { metrics, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface TestSdk {
  readonly spans: () => ReadableSpan[];
  readonly collect: () => Promise<ResourceMetrics>;
  readonly shutdown: () => Promise<void>;
  readonly tracerProvider: BasicTracerProvider;
}

/** Registers a tracer provider (in-memory), a meter provider and the W3C propagator globally. */
export function registerTestSdk(options: { sampler?: Sampler; register?: boolean } = {}): TestSdk {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  if (options.register !== false) {
    trace.setGlobalTracerProvider(tracerProvider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    metrics.setGlobalMeterProvider(meterProvider);
  }
  return {
    tracerProvider,
    spans: () => exporter.getFinishedSpans(),
    collect: async () => (await reader.collect()).resourceMetrics,
    shutdown: async () => {
      trace.disable();
      metrics.disable();
      propagation.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The value of each data point of metric `name`, keyed by its attributes as JSON. */
export function metricPoints(resource: ResourceMetrics, name: string): Map<string, number> {
  const points = new Map<string, number>();
  for (const scope of resource.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) {
        const value = point.value as number | { count: number };
        points.set(JSON.stringify(point.attributes), typeof value === 'number' ? value : value.count);
      }
    }
  }
  return points;
}

/** The span tree as indented lines `name [kind]`, children in start order. */
export function spanTree(spans: readonly ReadableSpan[]): string[] {
  const byParent = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    const list = byParent.get(key) ?? [];
    list.push(span);
    byParent.set(key, list);
  }
  const kinds = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    const children = (byParent.get(parent) ?? []).sort((a, b) => hr(a.startTime) - hr(b.startTime));
    for (const span of children) {
      const links = span.links.length === 0 ? '' : ` links=${span.links.length}`;
      lines.push(`${'  '.repeat(depth)}${span.name} [${kinds[span.kind]}]${links}`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

function hr(time: readonly [number, number]): number {
  return time[0] * 1e9 + time[1];
}
