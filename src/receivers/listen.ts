import type { Server } from 'node:http';
import { once } from 'node:events';

export interface ListeningServer {
  readonly address: string;
  /** Stop accepting, let in-flight requests finish, then resolve. */
  close(): Promise<void>;
}

export async function listen(server: Server, host: string, port: number, what: string): Promise<ListeningServer> {
  if (!server.listening) {
    const failed = once(server, 'error').then(([error]) => {
      throw new Error(`${what} could not listen on ${host}:${port}: ${(error as Error).message}`);
    });
    await Promise.race([once(server, 'listening'), failed]);
  }
  const bound = server.address();
  const actualPort = typeof bound === 'object' && bound ? bound.port : port;
  return {
    address: `${host}:${actualPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
