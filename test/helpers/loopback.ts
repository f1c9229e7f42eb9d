import type http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Listens on a free loopback port, keeping each open connection in `sockets` (so that a test can cut them all); returns the origin. */
export async function listenOnLoopback(server: http.Server, sockets: Set<Socket>): Promise<string> {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
