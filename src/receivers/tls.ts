/**
 * Server TLS from files (cert, key, and a CA for client certificates: mTLS), read at start with errors that name
 * the key, and read again when a file changes (checked every `reload_interval`) or on SIGHUP, so a renewed
 * certificate (cert-manager, certbot) is served to new connections without a restart. A renewal that does not
 * load (a half-written file, a key that does not match the certificate) is logged and the current one kept.
 */
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';

export interface TlsSettings {
  readonly cert_file: string;
  readonly key_file: string;
  /** When set, a client must present a certificate signed by this CA (mTLS). */
  readonly client_ca_file?: string;
  /** Milliseconds between checks of the files' modification times. */
  readonly reload_interval: number;
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
  const material = {
    cert: read(settings.cert_file, 'cert_file'),
    key: read(settings.key_file, 'key_file'),
    ...(settings.client_ca_file === undefined ? {} : { clientCa: read(settings.client_ca_file, 'client_ca_file') }),
  };
  try {
    createSecureContext({ cert: material.cert, key: material.key, ...(material.clientCa ? { ca: material.clientCa } : {}) });
  } catch (error) {
    throw new Error(`${key}: ${settings.cert_file} and ${settings.key_file} do not load as a certificate and its key: ${(error as Error).message}`);
  }
  return material;
}

/** The receiver's certificate as it is now, and the receivers' listeners for the next one. */
export class TlsSource {
  private material: TlsMaterial;
  private readonly listeners: Array<(material: TlsMaterial) => void> = [];
  private stamps: string;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly settings: TlsSettings,
    private readonly key: string,
    private readonly logger: Logger,
  ) {
    this.material = readTls(settings, key);
    this.stamps = this.fileStamps();
    this.timer = setInterval(() => {
      if (this.fileStamps() !== this.stamps) this.reload('a file changed');
    }, settings.reload_interval);
    this.timer.unref();
  }

  get current(): TlsMaterial {
    return this.material;
  }

  onChange(listener: (material: TlsMaterial) => void): void {
    this.listeners.push(listener);
  }

  /** Reads the files again; on success every receiver serves the new certificate to new connections. */
  reload(why: string): void {
    this.stamps = this.fileStamps();
    try {
      this.material = readTls(this.settings, this.key);
    } catch (error) {
      this.logger.error({ key: this.key, err: (error as Error).message }, `TLS reload (${why}) failed: still serving the previous certificate`);
      return;
    }
    for (const listener of this.listeners) listener(this.material);
    this.logger.info({ key: this.key }, `TLS certificate reloaded (${why})`);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private fileStamps(): string {
    const files = [this.settings.cert_file, this.settings.key_file, this.settings.client_ca_file];
    return files
      .map((file) => {
        if (file === undefined) return '';
        try {
          const stat = statSync(file);
          return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }
}
