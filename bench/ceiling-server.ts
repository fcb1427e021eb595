/**
 * The ceiling: a bare OTLP/HTTP server in the gateway's process model (express, the gateway's own body
 * reader and decoder) that reads the body, decodes it into the model and answers 200. Nothing else: no
 * validation beyond decoding, no queue. What the gateway does on top of this is its overhead.
 *
 *   node --import tsx bench/ceiling-server.ts [--host 127.0.0.1] [--port 14320]
 */
import express, { type Request, type Response } from 'express';
import { parseArgs } from 'node:util';
import { decodeLogs, decodeMetrics, decodeTraces, encodeExportResponse } from '../src/otlp/index.js';
import { readBody } from '../src/receivers/http-body.js';

const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '14320' } } });
const MAX_BYTES = 20 * 1024 * 1024;
let items = 0;

/** Decodes a body into the model; the items it holds and what was rejected. */
function decode(signal: 'traces' | 'metrics' | 'logs', body: Buffer) {
  if (signal === 'logs') {
    const { logs, rejected } = decodeLogs(body, 'protobuf');
    return { items: logs.length, rejected };
  }
  const { batch, rejected } = signal === 'traces' ? decodeTraces(body, 'protobuf') : decodeMetrics(body, 'protobuf');
  return { items: batch.spans.length + batch.metrics.length, rejected };
}

const app = express();
app.disable('x-powered-by');
for (const signal of ['traces', 'metrics', 'logs'] as const) {
  app.post(`/v1/${signal}`, (req: Request, res: Response) => {
    readBody(req, MAX_BYTES).then(
      (body) => {
        const decoded = decode(signal, body);
        items += decoded.items;
        res
          .status(200)
          .type('application/x-protobuf')
          .end(encodeExportResponse(signal, 'protobuf', decoded.rejected));
      },
      (error: unknown) =>
        res
          .status(400)
          .type('text/plain')
          .end(String((error as Error).message)),
    );
  });
}
app.get('/items', (_req, res) => void res.type('text/plain').end(String(items)));

const server = app.listen(Number(values.port), values.host, () => process.stdout.write(`listening ${values.host}:${values.port}\n`));
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
