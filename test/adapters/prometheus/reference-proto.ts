/**
 * proto/prometheus/*.proto loaded once with protobufjs 7 reflection: the reference encoding that wire-writer.ts is
 * tested and benchmarked against, and the decoder tests read requests with. The adapter itself does not load it.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { packageFile } from '../../../src/util/package-file.js';

/** The package's proto/prometheus folder. */
function findProtoDir(): string {
  return packageFile('proto/prometheus', 'remote.proto');
}

export interface RemoteWriteMessages {
  /** prometheus.WriteRequest, as the wire has it (tests decode with it). */
  readonly writeRequest: protobuf.Type;
  /** Its encoding twin with pre-encoded labels (see encoding.proto): what the adapter used before wire-writer.ts. */
  readonly writeRequestEncodedLabels: protobuf.Type;
  readonly label: protobuf.Type;
}

let messages: RemoteWriteMessages | undefined;

export function remoteWriteMessages(): RemoteWriteMessages {
  if (messages === undefined) {
    const protoDir = findProtoDir();
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(protoDir, target);
    root.loadSync(['remote.proto', 'encoding.proto']);
    root.resolveAll();
    messages = {
      writeRequest: root.lookupType('prometheus.WriteRequest'),
      writeRequestEncodedLabels: root.lookupType('manifold.encoding.WriteRequestWithEncodedLabels'),
      label: root.lookupType('prometheus.Label'),
    };
  }
  return messages;
}
