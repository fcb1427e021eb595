import protobuf from 'protobufjs';

/**
 * The OTLP spec asks a server that throttles to put google.rpc.RetryInfo in the status details, which gRPC
 * carries as a serialized google.rpc.Status in the `grpc-status-details-bin` trailer. These three tiny
 * messages are written with protobufjs' Writer rather than loading google's protos for them.
 */
export function statusDetailsWithRetryInfo(code: number, message: string, retryAfterMs: number): Buffer {
  const seconds = Math.floor(retryAfterMs / 1000);
  const nanos = (retryAfterMs % 1000) * 1_000_000;
  // google.protobuf.Duration { int64 seconds = 1; int32 nanos = 2; }
  const duration = protobuf.Writer.create().uint32(8).int64(seconds).uint32(16).int32(nanos).finish();
  // google.rpc.RetryInfo { Duration retry_delay = 1; }
  const retryInfo = protobuf.Writer.create().uint32(10).bytes(duration).finish();
  // google.protobuf.Any { string type_url = 1; bytes value = 2; }
  const any = protobuf.Writer.create().uint32(10).string('type.googleapis.com/google.rpc.RetryInfo').uint32(18).bytes(retryInfo).finish();
  // google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  const status = protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message).uint32(26).bytes(any).finish();
  return Buffer.from(status);
}
