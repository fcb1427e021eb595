import type * as Grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { SIGNALS, type Rejections, type Signal } from '../model/index.js';
import { encodeExportResponse, OtlpDecodeError } from '../otlp/index.js';
import { statusDetailsWithRetryInfo } from './grpc-status.js';
import { IngestRefusedError } from '../delivery/ingest-sink.js';
import { summarize, type ReceiverDeps } from './ingest.js';
import type { Authenticator } from './auth.js';
import type { TlsMaterial, TlsSource } from './tls.js';

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

/** The `authorization` metadata entry, as the OTLP exporters send their configured headers. */
function authorizationOf(metadata: Grpc.Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  return typeof value === 'string' ? value : undefined;
}

/** Messages pass through as raw bytes: the same decoder as OTLP/HTTP turns them into the model. */
function serviceDefinition(signal: Signal): Grpc.ServiceDefinition {
  const identity = (value: Buffer): Buffer => value;
  return {
    Export: {
      path: SERVICES[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      responseDeserialize: identity,
    },
  } as Grpc.ServiceDefinition;
}

export interface GrpcReceiver {
  readonly address: string;
  close(deadlineMs: number): Promise<void>;
}

/** OTLP/gRPC: TraceService/Export, MetricsService/Export and LogsService/Export (gzip handled by grpc-js). */
export async function startGrpcReceiver(
  deps: ReceiverDeps & { maxRequestBytes: number; logger: Logger; authenticate?: Authenticator; tls?: TlsSource },
  host: string,
  port: number,
): Promise<GrpcReceiver> {
  // Loaded only when the gRPC receiver is on: ~3 MB of the main thread's heap otherwise, which every full GC marks.
  const grpc = await import('@grpc/grpc-js');
  const server = new grpc.Server({ 'grpc.max_receive_message_length': deps.maxRequestBytes });
  for (const signal of SIGNALS) {
    server.addService(serviceDefinition(signal), {
      Export: (call: Grpc.ServerUnaryCall<Buffer, Uint8Array>, callback: Grpc.sendUnaryData<Uint8Array>) => {
        if (deps.authenticate && !deps.authenticate(authorizationOf(call.metadata))) {
          deps.observer.request(signal, 'grpc', 'unauthenticated', { accepted: 0, rejected: 0 });
          callback({
            code: grpc.status.UNAUTHENTICATED,
            details: 'authentication required: send an authorization metadata entry the gateway accepts',
          });
          return;
        }
        void exportCall(signal, call.request, callback);
      },
    });
  }

  async function exportCall(signal: Signal, body: Buffer, callback: Grpc.sendUnaryData<Uint8Array>): Promise<void> {
    let decoded: { readonly items: number; readonly rejected: Rejections; readonly payload?: Uint8Array };
    try {
      decoded = await deps.decoder.decode(signal, body, 'protobuf');
    } catch (error) {
      if (error instanceof IngestRefusedError) {
        // The decode pool is saturated, its worker died, or the gateway is stopping: the sender retries.
        refuse(signal, callback, error, { accepted: 0, rejected: 0 });
        return;
      }
      const known = error instanceof OtlpDecodeError;
      if (!known) deps.logger.error({ err: error, signal }, 'unexpected error while decoding a gRPC request');
      deps.observer.request(signal, 'grpc', known ? 'bad_request' : 'error', { accepted: 0, rejected: 0 });
      callback({
        code: known ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL,
        details: known ? (error as Error).message : 'internal error while decoding',
      });
      return;
    }
    const counts = summarize(decoded);
    try {
      if (counts.accepted > 0 && decoded.payload)
        await deps.sink.accept({ signal, payload: decoded.payload, items: decoded.items, rejected: decoded.rejected });
    } catch (error) {
      const refused = error instanceof IngestRefusedError ? error : undefined;
      if (!refused) deps.logger.error({ err: error, signal }, 'could not enqueue an accepted gRPC request');
      refuse(signal, callback, refused, counts, error);
      return;
    }
    deps.observer.request(signal, 'grpc', decoded.rejected.count > 0 ? 'partial' : 'ok', counts);
    callback(null, encodeExportResponse(signal, 'protobuf', decoded.rejected));
  }

  function refuse(
    signal: Signal,
    callback: Grpc.sendUnaryData<Uint8Array>,
    refused: IngestRefusedError | undefined,
    counts: { accepted: number; rejected: number },
    error?: unknown,
  ): void {
    const overloaded = refused?.reason === 'overloaded';
    const code = overloaded ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE;
    const message = refused?.message ?? `the gateway could not store the data: ${(error as Error).message}`;
    const metadata = new grpc.Metadata();
    metadata.set('grpc-status-details-bin', statusDetailsWithRetryInfo(code, message, refused?.retryAfterMs ?? 5_000));
    deps.observer.request(signal, 'grpc', overloaded ? 'refused' : 'unavailable', counts);
    callback({ code, details: message, metadata });
  }

  const boundPort = await new Promise<number>((resolve, reject) => {
    const { tls } = deps;
    const credentials = tls ? reloadingCredentials(grpc, tls) : grpc.ServerCredentials.createInsecure();
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, credentials, (error, actual) => {
      if (error) reject(new Error(`OTLP/gRPC could not listen on ${host}:${port}: ${error.message}`));
      else resolve(actual);
    });
  });
  return {
    address: `${host}:${boundPort}`,
    close: (deadlineMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, deadlineMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/**
 * Server credentials that follow the TlsSource: grpc-js applies each update to new connections. Its exported
 * createCertificateProviderServerCredentials(ca, identity, ...) passes its first argument on as the identity
 * provider and its second as the CA one (the declared names are swapped, grpc-js 1.14), hence the order below.
 */
function reloadingCredentials(grpc: typeof Grpc, tls: TlsSource): Grpc.ServerCredentials {
  const identity = new PushedCertificates(tls.current, (material) => ({ certificate: material.cert, privateKey: material.key }));
  const clientCa =
    tls.current.clientCa === undefined
      ? null
      : new PushedCertificates(tls.current, (material) => (material.clientCa ? { caCertificate: material.clientCa } : null));
  tls.onChange((material) => {
    identity.push(material);
    clientCa?.push(material);
  });
  return grpc.experimental.createCertificateProviderServerCredentials(identity, clientCa, clientCa !== null);
}

/** A grpc-js CertificateProvider fed by the TlsSource (no file watching of its own). */
class PushedCertificates implements Grpc.experimental.CertificateProvider {
  private readonly identityListeners = new Set<Grpc.experimental.IdentityCertificateUpdateListener>();
  private readonly caListeners = new Set<Grpc.experimental.CaCertificateUpdateListener>();

  constructor(
    private material: TlsMaterial,
    private readonly view: (material: TlsMaterial) => unknown,
  ) {}

  push(material: TlsMaterial): void {
    this.material = material;
    for (const listener of this.identityListeners) listener(this.view(material) as Grpc.experimental.IdentityCertificateUpdate);
    for (const listener of this.caListeners) listener(this.view(material) as Grpc.experimental.CaCertificateUpdate);
  }

  addIdentityCertificateListener(listener: Grpc.experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.add(listener);
    // After the call returns: grpc-js subscribes its server to the credentials only after adding this listener.
    queueMicrotask(() => listener(this.view(this.material) as Grpc.experimental.IdentityCertificateUpdate));
  }

  removeIdentityCertificateListener(listener: Grpc.experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.delete(listener);
  }

  addCaCertificateListener(listener: Grpc.experimental.CaCertificateUpdateListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => listener(this.view(this.material) as Grpc.experimental.CaCertificateUpdate));
  }

  removeCaCertificateListener(listener: Grpc.experimental.CaCertificateUpdateListener): void {
    this.caListeners.delete(listener);
  }
}
