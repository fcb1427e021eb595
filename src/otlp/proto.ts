/**
 * The official OTLP protos (proto/opentelemetry/proto, v1.4.0), loaded once with protobufjs 7 reflection.
 * protobufjs 7 rather than 8: measured 2.4-3.5x faster here; reflection is within ~10% of static code.
 */
import { isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';
import { packageFile } from '../util/package-file.js';
import Long from 'long';

// fixed64/int64 must come as Long (exact), never as a rounded number. protobufjs finds `long` itself
// through require(); set it only if it did not, so other protobufjs users in the process keep their class.
if (!protobuf.util.Long) {
  protobuf.util.Long = Long as unknown as typeof protobuf.util.Long;
  protobuf.configure();
}

const COMMON_PROTO = 'opentelemetry/proto/common/v1/common.proto';

/** The package's proto/ folder. */
function findProtoDir(): string {
  return packageFile('proto', COMMON_PROTO);
}

function loadRoot(): protobuf.Root {
  const protoDir = findProtoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(protoDir, target));
  root.loadSync([
    'opentelemetry/proto/collector/trace/v1/trace_service.proto',
    'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  ]);
  // google.rpc.Status, the OTLP/HTTP error body; `details` (repeated Any) is never sent, so left out.
  root.define('google.rpc').add(
    new protobuf.Type('Status')
      .add(new protobuf.Field('code', 1, 'int32'))
      .add(new protobuf.Field('message', 2, 'string')),
  );
  root.resolveAll();
  nullOneofDefaults(root);
  return root;
}

/**
 * protobufjs reflection puts scalar defaults ('' , 0, Long 0) on the prototype for oneof members too, so
 * an unset `AnyValue.intValue` would read as 0. Null them (what pbjs --null-defaults does for static
 * code) so `!= null` tells which member was sent, without the Object.keys scan of the oneof getter.
 */
function nullOneofDefaults(ns: protobuf.NamespaceBase): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) {
      const proto = nested.ctor.prototype as Record<string, unknown>;
      for (const oneof of nested.oneofsArray) for (const field of oneof.fieldsArray) proto[field.name] = null;
    }
    if (nested instanceof protobuf.Namespace) nullOneofDefaults(nested);
  }
}

export const protoRoot = loadRoot();

export const ExportTraceServiceRequest = protoRoot.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
export const ExportTraceServiceResponse = protoRoot.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
export const ExportMetricsServiceRequest = protoRoot.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
export const ExportMetricsServiceResponse = protoRoot.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');
export const RpcStatus = protoRoot.lookupType('google.rpc.Status');
