// A TCP proxy in front of the test Postgres that counts the round trips each session makes:
// frontend Query ('Q', the simple protocol) and Sync ('S', the end of an extended-protocol
// exchange) messages, read off the wire protocol. Sessions are named by the application_name
// of their startup message. Nothing is changed on the way: bytes pass through as they come.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface WireCounter {
  /** The database URL through the proxy. */
  url(database: string): string;
  /** Round trips so far per application_name ('' when none was sent). */
  trips(): Map<string, number>;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

export async function startWireCounter(targetUrl: string): Promise<WireCounter> {
  const target = new URL(targetUrl);
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    // As pg's own socket: no Nagle delay, or the proxy adds ~40 ms stalls (delayed ACKs) to small messages.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    let name = '';
    let started = false;
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (!started) {
          if (pending.length < 8) break;
          const length = pending.readInt32BE(0);
          if (pending.length < length) break;
          const code = pending.readInt32BE(4);
          if (code !== SSL_REQUEST && code !== GSS_REQUEST) {
            const fields = pending.subarray(8, length).toString('utf8').split('\0');
            const at = fields.indexOf('application_name');
            if (at >= 0) name = fields[at + 1] ?? '';
            started = true;
          }
          pending = pending.subarray(length);
          continue;
        }
        if (pending.length < 5) break;
        const length = pending.readInt32BE(1);
        if (pending.length < length + 1) break;
        const type = String.fromCharCode(pending[0]!);
        if (type === 'Q' || type === 'S') counts.set(name, (counts.get(name) ?? 0) + 1);
        pending = pending.subarray(length + 1);
      }
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url(database) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      url.pathname = `/${database}`;
      return url.toString();
    },
    trips: () => new Map(counts),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
