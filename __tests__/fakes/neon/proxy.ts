// A TCP pass-through on 127.0.0.1 that stands in for Neon's connection pooler: pooled connection
// URIs point here, direct ones at the real Postgres port, so the two differ and both work.
// It does no pooling; it only forwards bytes.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * Optional gate (a compute that is still starting): reads the client's Postgres startup
 * packet and, when `admit` says no for its parameters (database, user), closes the
 * connection before any byte reaches the server, as a compute that is not up yet would.
 */
export interface ProxyGate {
  admit(startup: Record<string, string>): boolean;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Parses a startup packet's `key\0value\0...\0` parameters (protocol 3.0). */
function startupParameters(packet: Buffer): Record<string, string> {
  const parts = packet.subarray(8).toString('utf8').split('\0');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) out[parts[i]!] = parts[i + 1]!;
  return out;
}

export async function startTcpProxy(targetHost: string, targetPort: number, gate?: ProxyGate): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!gate) return forward(client, Buffer.alloc(0));
    sockets.add(client);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (buffered.length < 8) return;
        const length = buffered.readInt32BE(0);
        if (buffered.length < length) return;
        const code = buffered.readInt32BE(4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          client.write('N'); // no TLS here: the client goes on in plain text
          buffered = buffered.subarray(length);
          continue;
        }
        client.off('data', onData);
        sockets.delete(client);
        if (!gate.admit(startupParameters(buffered.subarray(0, length)))) {
          client.destroy();
          return;
        }
        forward(client, buffered);
        return;
      }
    };
    client.on('data', onData);
    client.on('error', () => client.destroy());
  });
  function forward(client: Socket, head: Buffer): void {
    const upstream = connect(targetPort, targetHost);
    if (head.length) upstream.write(head);
    sockets.add(client);
    sockets.add(upstream);
    const cleanup = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', cleanup);
    upstream.on('error', cleanup);
    client.on('close', cleanup);
    upstream.on('close', cleanup);
    client.pipe(upstream);
    upstream.pipe(client);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
