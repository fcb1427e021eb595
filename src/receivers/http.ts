import express, { type Request, type Response } from 'express';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import type { Rejections, Signal } from '../model/index.js';
import { encodeErrorStatus, encodeExportResponse, OtlpDecodeError } from '../otlp/index.js';
import { BodyPool } from './body-pool.js';
import { BodyError, bodyEncoding, readPooledBody, type BodyEncoding, type PooledBody } from './http-body.js';
import { IngestRefusedError } from '../delivery/ingest-sink.js';
import { retryAfterSeconds, summarize, type ReceiverDeps, type RequestOutcome } from './ingest.js';
import { listen, type ListeningServer } from './listen.js';
import type { Authenticator } from './auth.js';
import type { TlsMaterial, TlsSource } from './tls.js';

/** A decoded request: its queue payload, items in it, rejections. */
type Decoded = { readonly items: number; readonly rejected: Rejections; readonly payload?: Uint8Array };

const CONTENT_TYPES: Record<BodyEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };
// google.rpc.Code values carried in OTLP/HTTP error bodies.
const RPC_CODE = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, INTERNAL: 13, UNAUTHENTICATED: 16 } as const;

/** OTLP/HTTP: POST /v1/traces, /v1/metrics and /v1/logs, protobuf or JSON, gzip/deflate or none. */
export async function startHttpReceiver(
  deps: ReceiverDeps & { maxRequestBytes: number; logger: Logger; authenticate?: Authenticator; tls?: TlsSource },
  host: string,
  port: number,
): Promise<ListeningServer> {
  // Protobuf bodies go to the decoder in reused shared buffers (body-pool.ts); JSON bodies are read as before.
  const bodies = new BodyPool();
  const app = express();
  app.disable('x-powered-by');
  app.post('/v1/traces', (req, res) => void handle('traces', req, res));
  app.post('/v1/metrics', (req, res) => void handle('metrics', req, res));
  app.post('/v1/logs', (req, res) => void handle('logs', req, res));
  app.all('/v1/{*rest}', (req, res) => {
    res
      .status(req.method === 'POST' ? 404 : 405)
      .type('text/plain')
      .send(`${req.method} ${req.path} is not an OTLP endpoint; use POST /v1/traces, POST /v1/metrics or POST /v1/logs`);
  });

  async function handle(signal: Signal, req: Request, res: Response): Promise<void> {
    if (deps.authenticate && !deps.authenticate(req.headers.authorization)) {
      // Before the body is read: an unknown sender costs no decoding and nothing is queued.
      req.resume();
      res.setHeader('WWW-Authenticate', 'Bearer realm="otlp", Basic realm="otlp"');
      reply(
        res,
        signal,
        bodyEncoding(req.headers['content-type']) ?? 'json',
        401,
        'unauthenticated',
        RPC_CODE.UNAUTHENTICATED,
        req.headers.authorization === undefined
          ? 'authentication required: send an Authorization header'
          : 'the Authorization header was not accepted',
      );
      return;
    }
    const encoding = bodyEncoding(req.headers['content-type']);
    if (!encoding) {
      req.resume();
      reply(
        res,
        signal,
        'json',
        415,
        'unsupported',
        RPC_CODE.INVALID_ARGUMENT,
        `unsupported Content-Type "${req.headers['content-type'] ?? ''}"; expected application/x-protobuf or application/json`,
      );
      return;
    }
    let decoded: Decoded;
    let body: PooledBody | undefined;
    try {
      body = await readPooledBody(req, deps.maxRequestBytes, encoding === 'protobuf' ? bodies : undefined);
      decoded = await deps.decoder.decode(signal, body.bytes, encoding);
    } catch (error) {
      if (error instanceof BodyError) {
        reply(
          res,
          signal,
          encoding,
          error.status,
          error.status === 413 ? 'too_large' : error.status === 415 ? 'unsupported' : 'bad_request',
          RPC_CODE.INVALID_ARGUMENT,
          error.message,
        );
      } else if (error instanceof OtlpDecodeError) {
        reply(res, signal, encoding, 400, 'bad_request', RPC_CODE.INVALID_ARGUMENT, error.message);
      } else if (error instanceof IngestRefusedError) {
        // The decode pool is saturated, its worker died, or the gateway is stopping: the sender retries.
        refuse(res, signal, encoding, error, { accepted: 0, rejected: 0 });
      } else {
        deps.logger.error({ err: error as Error, signal }, 'unexpected error while reading a request');
        reply(res, signal, encoding, 500, 'error', RPC_CODE.INTERNAL, 'internal error while reading the request');
      }
      // The decoder has failed: nothing reads the body any more.
      body?.release();
      return;
    }
    const counts = summarize(decoded);
    try {
      if (counts.accepted > 0 && decoded.payload)
        await deps.sink.accept({ signal, payload: decoded.payload, items: decoded.items, rejected: decoded.rejected });
    } catch (error) {
      if (error instanceof IngestRefusedError) {
        refuse(res, signal, encoding, error, counts);
      } else {
        deps.logger.error({ err: error, signal }, 'could not enqueue an accepted request');
        res.setHeader('Retry-After', '5');
        reply(
          res,
          signal,
          encoding,
          503,
          'unavailable',
          RPC_CODE.UNAVAILABLE,
          `the gateway could not store the data: ${(error as Error).message}`,
          counts,
        );
      }
      return;
    } finally {
      // The payload may have been written over the body's memory (decode-pool.ts): released once the store has it.
      body.release();
    }
    res
      .status(200)
      .type(CONTENT_TYPES[encoding])
      .end(encodeExportResponse(signal, encoding, decoded.rejected));
    deps.observer.request(signal, 'http', decoded.rejected.count > 0 ? 'partial' : 'ok', counts);
  }

  function refuse(
    res: Response,
    signal: Signal,
    encoding: BodyEncoding,
    error: IngestRefusedError,
    counts: { accepted: number; rejected: number },
  ): void {
    res.setHeader('Retry-After', retryAfterSeconds(error.retryAfterMs));
    const overloaded = error.reason === 'overloaded';
    reply(
      res,
      signal,
      encoding,
      overloaded ? 429 : 503,
      overloaded ? 'refused' : 'unavailable',
      overloaded ? RPC_CODE.RESOURCE_EXHAUSTED : RPC_CODE.UNAVAILABLE,
      error.message,
      counts,
    );
  }

  function reply(
    res: Response,
    signal: Signal,
    encoding: BodyEncoding,
    status: number,
    outcome: RequestOutcome,
    rpcCode: number,
    message: string,
    counts = { accepted: 0, rejected: 0 },
  ): void {
    res
      .status(status)
      .type(CONTENT_TYPES[encoding])
      .end(encodeErrorStatus(encoding, rpcCode, message));
    // A refused request's items are not lost: the sender retries them. They are counted as refused, not rejected.
    deps.observer.request(signal, 'http', outcome, outcome === 'refused' || outcome === 'unavailable' ? counts : { accepted: 0, rejected: 0 });
  }

  const { tls } = deps;
  // With client_ca_file, a client without a certificate from that CA does not get past the TLS handshake (mTLS).
  const tlsOptions = (material: TlsMaterial) => ({
    cert: material.cert,
    key: material.key,
    ...(material.clientCa ? { ca: material.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  });
  const server: Server = tls ? createHttpsServer(tlsOptions(tls.current), app) : createHttpServer(app);
  // A renewed certificate for new connections; open ones keep theirs.
  if (tls) tls.onChange((material) => (server as HttpsServer).setSecureContext(tlsOptions(material)));
  server.listen(port, host);
  // Keep-alive longer than common client pools so connections are reused, not raced.
  server.keepAliveTimeout = 65_000;
  return listen(server, host, port, 'OTLP/HTTP');
}
