import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { coalescingSocket } from './coalescing-socket';

describe('coalescingSocket', () => {
  let server: Server;
  let received = '';
  const peers: Socket[] = [];

  beforeAll(async () => {
    server = createServer((peer) => {
      peers.push(peer);
      peer.on('data', (chunk: Buffer) => (received += chunk.toString()));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  });
  afterAll(async () => {
    for (const peer of peers) peer.destroy();
    await new Promise((closed) => server.close(closed));
  });

  it('sends what is written in one turn of the event loop in one system call, once connected', async () => {
    const socket = coalescingSocket();
    socket.connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((connected) => socket.once('connect', connected));
    // What Node's stream machinery calls per system call: _write for one buffer, _writev for several.
    const single = jest.spyOn(socket, '_write');
    const several = jest.spyOn(socket as Required<Socket>, '_writev');
    socket.write('BEGIN;');
    socket.write('SET LOCAL;');
    socket.write('SELECT;');
    await new Promise((drained) => socket.write('COMMIT;', drained));
    expect(single).not.toHaveBeenCalled();
    expect(several).toHaveBeenCalledTimes(1);
    expect(several.mock.calls[0][0]).toHaveLength(4);
    socket.end();
    await new Promise((closed) => socket.once('close', closed));
    expect(received).toBe('BEGIN;SET LOCAL;SELECT;COMMIT;');
  });
});
