// Telemetry: a run with an OpenTelemetry SDK registered, its spans and metrics printed to the
// console. Run it with `npx tsx examples/telemetry.ts`.
//
// mazepa itself depends only on `@opentelemetry/api` (an optional peer dependency); the SDK is
// the application's choice. This example uses `@opentelemetry/sdk-trace-base` and
// `@opentelemetry/sdk-metrics` (2.x, for Node 20) with their console exporters. To send to a
// collector instead, add an OTLP exporter package (for example
// `@opentelemetry/exporter-trace-otlp-http`) and use it in place of `ConsoleSpanExporter`: this
// repository does not install one, so this example prints to the console only.
import { metrics, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TransientError, execute, flowSchema, taskableOperation } from 'mazepa';

/** Registers the SDK globally: what an application does once, before its first run. */
export function registerConsoleSdk(): { shutdown(): Promise<void> } {
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
  });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 60_000 }),
    ],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  // What carries a run's context to SQS workers, inside each task message.
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    async shutdown() {
      await meterProvider.shutdown(); // its last export prints the metrics
      await tracerProvider.shutdown();
    },
  };
}

let failures = 0;
const resize = taskableOperation(function resize(tile: number) {
  if (tile === 2 && failures++ === 0) throw new TransientError('storage busy'); // retried once
  return tile * 2;
});
const pyramid = flowSchema(function* pyramid(tiles: number) {
  yield Array.from({ length: tiles }, (_, i) => resize.makeTask(i));
});

export async function main(): Promise<void> {
  const sdk = registerConsoleSdk();
  try {
    const summary = await execute(pyramid(4), { showProgress: false });
    console.log(`ran ${summary.succeeded} tasks, ${summary.retried} retried`);
  } finally {
    await sdk.shutdown();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
