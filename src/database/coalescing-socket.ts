import { Socket } from 'node:net';

/**
 * The socket under every node-postgres connection of the service (its public `stream` option). In pipeline mode a
 * transaction's statements are written one `client.query` at a time (BEGIN, SET LOCAL, the statement, COMMIT), each a
 * message of its own, and node-postgres sends each in its own system call. This socket holds what is written until
 * the event loop's check phase (Node's public cork/uncork), so the messages of one transaction, and of every request
 * that wrote in the same turn, leave in one `writev` and reach PostgreSQL in one read. The messages stay separate on
 * the wire (SET LOCAL is still a message of its own, docs/SCALE.md); only the system calls are shared.
 */
export function coalescingSocket(): Socket {
  const socket = new Socket();
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let held = false;
  socket.write = (...args: unknown[]) => {
    if (!held) {
      held = true;
      socket.cork();
      setImmediate(() => {
        held = false;
        socket.uncork();
      });
    }
    return write(...args);
  };
  return socket;
}
