import { freePort, isPortInUse } from './free-port.js';
import { logTail } from './log-tail.js';
import { describeExit, spawnManaged, type ManagedProcess, type RunAs } from './managed-process.js';
import { pollUntil } from './poll.js';

/** A server child process on a fixed loopback port and data dir, which can be stopped and started. */
export interface LocalServer {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** Data directory; survives stop/start, so a restart finds its data (AOF, SQLite files). */
  readonly dir: string;
  /** stdout and stderr of every start of this server. */
  readonly logFile: string;
  readonly running: boolean;
  readonly pid: number | undefined;
  /** Starts again on the same port and dir, and waits until ready. No-op if running. */
  start(): Promise<void>;
  /** SIGTERM (or `signal`, e.g. SIGKILL to simulate a crash) and wait for exit. No-op if stopped. */
  stop(options?: { signal?: NodeJS.Signals }): Promise<void>;
  restart(): Promise<void>;
}

export interface ServerRecipe {
  name: string;
  dir: string;
  logFile: string;
  /** Fixed port; otherwise a free one (and another one if the bind race is lost). */
  port?: number | undefined;
  startTimeoutMs?: number | undefined;
  command(port: number): {
    command: string;
    args: string[];
    runAs?: RunAs | undefined;
    /** Set in the server's environment. */
    env?: Readonly<Record<string, string>> | undefined;
  };
  url(port: number): string;
  /** True once the server answers; may throw while it is coming up. */
  isReady(url: string): Promise<boolean>;
}

const PORT_ATTEMPTS = 3;

class PortInUseError extends Error {}

export async function startLocalServer(recipe: ServerRecipe): Promise<LocalServer> {
  for (let attempt = 1; ; attempt++) {
    const port = recipe.port ?? (await freePort());
    const server = new ServerHandle(recipe, port);
    try {
      await server.start();
      return server;
    } catch (error) {
      // Only a lost race for a port we picked ourselves is worth another try.
      const diedEarly = server.lastExit !== undefined && server.lastExit.error === undefined;
      const lostRace = diedEarly || error instanceof PortInUseError;
      if (recipe.port !== undefined || !lostRace || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

class ServerHandle implements LocalServer {
  readonly name: string;
  readonly url: string;
  readonly dir: string;
  readonly logFile: string;
  lastExit: ReturnType<ManagedProcess['exitInfo']>;
  private child: ManagedProcess | undefined;

  constructor(
    private readonly recipe: ServerRecipe,
    readonly port: number,
  ) {
    this.name = recipe.name;
    this.url = recipe.url(port);
    this.dir = recipe.dir;
    this.logFile = recipe.logFile;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitInfo() === undefined;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  async start(): Promise<void> {
    if (this.running) return;
    // Otherwise the readiness check would be answered by whoever holds the port.
    if (await isPortInUse(this.port)) {
      throw new PortInUseError(`${this.name}: port ${this.port} on 127.0.0.1 is already in use`);
    }
    const { command, args, runAs, env } = this.recipe.command(this.port);
    const child = spawnManaged(this.name, command, args, this.logFile, runAs, env);
    this.child = child;
    this.lastExit = undefined;
    const timeoutMs = this.recipe.startTimeoutMs ?? 30_000;
    try {
      // Ready only if our child is still alive after answering: it lost a bind race otherwise.
      await pollUntil(async () => (await this.recipe.isReady(this.url)) && this.running, {
        timeoutMs,
        description: `${this.name} on port ${this.port} to answer`,
        abortIf: () => {
          const exit = child.exitInfo();
          this.lastExit = exit;
          return exit && new Error(`${this.name} ${describeExit(exit)}`);
        },
      });
    } catch (error) {
      await child.stop({ signal: 'SIGKILL' });
      const tail = await logTail(this.logFile);
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `${this.name} failed to start (${command} ${args.join(' ')}): ${reason}\n` +
          `--- last lines of ${this.logFile} ---\n${tail}`,
        { cause: error },
      );
    }
  }

  async stop({ signal }: { signal?: NodeJS.Signals } = {}): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.lastExit = await child.stop(signal ? { signal } : {});
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
