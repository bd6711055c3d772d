// A TCP proxy in front of PostgreSQL that forwards every byte unchanged and records the SQL text of what the
// service sends: the frontend messages of the PostgreSQL protocol, version 3.0 (PostgreSQL documentation, chapter
// "Frontend/Backend Protocol", sections "Message Flow" and "Message Formats"): each simple Query and Parse as sent,
// and each statement run (a Query, or a Bind of a parsed statement). Tests read them to check what goes over the
// wire, message by message, which no driver-level hook shows (pipelined statements are written by node-postgres
// itself).
import net from 'node:net';

/** One recorded frontend message that carries SQL text. */
export interface WireMessage {
  /** Which proxied connection sent it (1, 2, …, in the order they were accepted). */
  connection: number;
  /** 'Q': a simple Query, whose text may hold several statements; 'P': a Parse (extended protocol). */
  type: 'Q' | 'P';
  /** The prepared statement's name of a Parse ('' for the unnamed statement). */
  statement?: string;
  text: string;
}

/** One statement the server was asked to run: a simple Query, or a Bind of a parsed statement (its text). */
export interface WireExecution {
  connection: number;
  via: 'Q' | 'B';
  text: string;
}

/** Request codes of the packets that may come before (or instead of) the startup message; they have no type byte. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/**
 * Splits one connection's frontend byte stream into messages. First the startup packet (int32 length, int32
 * protocol version or request code, no type byte), possibly preceded by SSLRequest or GSSENCRequest; after it every
 * message is a type byte and an int32 length that counts itself but not the type byte.
 */
class FrontendParser {
  private buffer: Buffer = Buffer.alloc(0);
  private startup = true;
  /** The text of each statement parsed on this connection, by name ('' is the unnamed statement). */
  private readonly parsed = new Map<string, string>();
  /** Set when the stream can no longer be read as protocol messages (e.g. it turned into TLS). */
  private stopped = false;

  constructor(
    private readonly connection: number,
    private readonly record: (message: WireMessage) => void,
    private readonly execute: (execution: WireExecution) => void,
    private readonly problem: (description: string) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.stopped) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const consumed = this.startup ? this.startupPacket() : this.typedMessage();
      if (consumed === 0 || this.stopped) return;
      this.buffer = this.buffer.subarray(consumed);
    }
  }

  private startupPacket(): number {
    if (this.buffer.length < 8) return 0;
    const length = this.buffer.readInt32BE(0);
    if (this.buffer.length < length) return 0;
    const code = this.buffer.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      // Whatever follows depends on the server's one-byte answer; if it accepts, the rest is encrypted and
      // unreadable here. The e2e database URL asks for neither, so this is reported rather than guessed through.
      this.stop(`connection ${this.connection} asked for encryption (request code ${code})`);
    } else if (code !== CANCEL_REQUEST) {
      this.startup = false;
    }
    return length;
  }

  private typedMessage(): number {
    if (this.buffer.length < 5) return 0;
    const type = String.fromCharCode(this.buffer[0]);
    const length = this.buffer.readInt32BE(1);
    if (length < 4) {
      this.stop(`connection ${this.connection}: message '${type}' with impossible length ${length}`);
      return 0;
    }
    if (this.buffer.length < 1 + length) return 0;
    const body = this.buffer.subarray(5, 1 + length);
    if (type === 'Q') {
      const text = cString(body, 0).value;
      this.record({ connection: this.connection, type, text });
      this.execute({ connection: this.connection, via: 'Q', text });
    } else if (type === 'P') {
      const name = cString(body, 0);
      const text = cString(body, name.end).value;
      this.parsed.set(name.value, text);
      this.record({ connection: this.connection, type, statement: name.value, text });
    } else if (type === 'B') {
      // Bind: destination portal, then the source statement's name.
      const statement = cString(body, cString(body, 0).end).value;
      const text = this.parsed.get(statement);
      if (text === undefined)
        this.stop(`connection ${this.connection}: Bind of unknown statement ${statement}`);
      else this.execute({ connection: this.connection, via: 'B', text });
    }
    return 1 + length;
  }

  private stop(description: string): void {
    this.stopped = true;
    this.problem(description);
  }
}

/** A null-terminated UTF-8 string at `start`, and the offset just past its terminator. */
function cString(body: Buffer, start: number): { value: string; end: number } {
  const nul = body.indexOf(0, start);
  const end = nul === -1 ? body.length : nul;
  return { value: body.toString('utf8', start, end), end: end + 1 };
}

/** A TCP proxy on 127.0.0.1 in front of `target`; subclasses say what to do with each accepted connection. */
abstract class TcpProxy {
  private readonly server: net.Server;
  protected readonly sockets = new Set<net.Socket>();

  constructor(protected readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.accept(client));
  }

  /** Listens on 127.0.0.1 on a free port, and returns the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Stops accepting and drops whatever connections are still open. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  protected abstract accept(client: net.Socket): void;
}

export class WireProxy extends TcpProxy {
  /** Every Query and Parse message sent through the proxy, in the order each connection sent them. */
  readonly messages: WireMessage[] = [];
  /**
   * Every statement run through the proxy, in each connection's order: a named statement parsed once per connection
   * is bound (and run) many times without its text, so only this shows every run of it.
   */
  readonly executions: WireExecution[] = [];
  /** Streams that could not be read as protocol messages: a test should fail on any, not pass on too little. */
  readonly problems: string[] = [];
  private connections = 0;

  protected accept(client: net.Socket): void {
    const connection = ++this.connections;
    const parser = new FrontendParser(
      connection,
      (message) => this.messages.push(message),
      (execution) => this.executions.push(execution),
      (description) => this.problems.push(description),
    );
    const upstream = net.connect(this.target.port, this.target.host);
    client.on('data', (chunk: Buffer) => parser.push(chunk));
    splice(client, upstream, this.sockets);
  }
}

/** Pipes two sockets into each other; either one's end or error ends both. `open` holds them while they live. */
export function splice(client: net.Socket, upstream: net.Socket, open: Set<net.Socket>): void {
  for (const [from, to] of [
    [client, upstream],
    [upstream, client],
  ]) {
    open.add(from);
    from.pipe(to);
    from.on('error', () => to.destroy());
    from.on('close', () => {
      open.delete(from);
      to.destroy();
    });
  }
}

/**
 * A plain TCP proxy that can stop answering while keeping every connection open, as a server stopped with SIGSTOP
 * does: frozen, it reads nothing from either side (bytes wait in the sockets) and accepts new connections without
 * serving them; thawed, everything flows again.
 */
export class FreezableProxy extends TcpProxy {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private frozen = false;

  freeze(): void {
    this.frozen = true;
    for (const [client, upstream] of this.pairs) stopFlowing(client, upstream);
  }

  thaw(): void {
    this.frozen = false;
    for (const [client, upstream] of this.pairs) startFlowing(client, upstream);
  }

  protected accept(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    for (const [socket, other] of [pair, [upstream, client]]) {
      this.sockets.add(socket);
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.pairs.delete(pair);
        other.destroy();
      });
    }
    if (this.frozen) stopFlowing(client, upstream);
    else startFlowing(client, upstream);
  }
}

function startFlowing(client: net.Socket, upstream: net.Socket): void {
  client.pipe(upstream);
  upstream.pipe(client);
}

function stopFlowing(client: net.Socket, upstream: net.Socket): void {
  client.unpipe(upstream);
  upstream.unpipe(client);
  client.pause();
  upstream.pause();
}
