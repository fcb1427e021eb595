import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeadLetterService } from '../dlq/service.js';

/**
 * Dead letters over the admin endpoint (loopback by default), so `manifold dlq` acts through the running
 * gateway, whose workers pick replayed jobs up at once:
 *   GET /dlq[?backend=B]   GET /dlq/ID   POST /dlq/replay?id=ID|backend=B|all=true   POST /dlq/drop?…
 * Returns false when the path is not a dead-letter route.
 */
export async function handleDeadLetterRoute(service: DeadLetterService, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://admin');
  if (!url.pathname.startsWith('/dlq')) return false;
  const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
  const backend = url.searchParams.get('backend') ?? undefined;
  const id = url.searchParams.get('id') ?? undefined;
  const action = url.pathname.slice('/dlq/'.length);

  if (req.method === 'GET' && url.pathname === '/dlq') {
    send(200, await service.list(backend));
  } else if (req.method === 'GET' && action && action !== 'replay' && action !== 'drop') {
    const letter = await service.show(decodeURIComponent(action));
    if (letter) send(200, letter);
    else send(404, { error: `no dead letter with id ${action}` });
  } else if (req.method === 'POST' && (action === 'replay' || action === 'drop')) {
    if (!id && !backend && url.searchParams.get('all') !== 'true') {
      send(400, { error: `say which dead letters to ${action}: id=ID, backend=NAME or all=true` });
      return true;
    }
    const filter = { ...(id ? { id } : {}), ...(backend ? { backend } : {}) };
    const count = action === 'replay' ? await service.replay(filter) : await service.drop(filter);
    send(200, { [action === 'replay' ? 'replayed' : 'dropped']: count });
  } else {
    send(405, { error: 'use GET /dlq, GET /dlq/ID, POST /dlq/replay or POST /dlq/drop' });
  }
  return true;
}
