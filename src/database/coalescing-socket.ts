import { Socket } from 'node:net';

/**
 * The socket under every node-postgres connection of the service (its public `stream` option). In pipeline mode a
 * transaction's statements are written one `client.query` at a time (BEGIN, SET LOCAL, the statement, COMMIT), each a
 * message of its own, and node-postgres sends each in its own system call. This socket holds what is written until
 * the event loop's check phase (Node's public cork/uncork), so the messages of one transaction, and of every request
 * that wrote in the same turn, leave in one `writev` and reach PostgreSQL in one read. The messages stay separate on
 * the wire (SET LOCAL is still a message of its own, docs/SCALE.md); only the system calls are shared.
 *
 * The holding `write` is put on the socket once it has connected: `connect()` puts Node's own `write` back on a
 * socket whose `write` was replaced, and did so to every earlier version of this socket (docs/PERFORMANCE.md).
 */
export function coalescingSocket(): Socket {
  const socket = new Socket();
  let held = false;
  function write(this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (!held) {
      held = true;
      socket.cork();
      setImmediate(() => {
        held = false;
        socket.uncork();
      });
    }
    return Socket.prototype.write.apply(this, args);
  }
  // Registered before node-postgres's own 'connect' listener, which writes the startup message.
  socket.once('connect', () => {
    socket.write = write as Socket['write'];
  });
  return socket;
}
