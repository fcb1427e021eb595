/** Server TLS from files (cert, key, and a CA for client certificates: mTLS), read at start with errors that name the key. */
import { readFileSync } from 'node:fs';

export interface TlsSettings {
  readonly cert_file: string;
  readonly key_file: string;
  /** When set, a client must present a certificate signed by this CA (mTLS). */
  readonly client_ca_file?: string;
}

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly clientCa?: Buffer;
}

export function readTls(settings: TlsSettings, key: string): TlsMaterial {
  const read = (file: string, name: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`${key}.${name}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  return {
    cert: read(settings.cert_file, 'cert_file'),
    key: read(settings.key_file, 'key_file'),
    ...(settings.client_ca_file === undefined ? {} : { clientCa: read(settings.client_ca_file, 'client_ca_file') }),
  };
}
