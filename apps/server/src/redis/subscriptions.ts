import type { Log } from "../logging/log.ts";

/** A subscription's listener as node-redis calls it: Buffers in buffer mode, strings otherwise. */
type Listener = (message: Buffer | string, channel: Buffer | string) => unknown;

type Subscribe = (channels: string | string[], listener: Listener, bufferMode?: boolean) => Promise<void>;
type Unsubscribe = (channels: string | string[], listener?: Listener, bufferMode?: boolean) => Promise<void>;

/**
 * A subscriber connection as node-redis has it, a client of one Redis or of a Redis Cluster
 * (where each sharded channel goes to its slot's master, and the others to one node).
 */
export interface Subscriber {
  readonly isReady: boolean;
  subscribe: Subscribe;
  unsubscribe: Unsubscribe;
  pSubscribe: Subscribe;
  pUnsubscribe: Unsubscribe;
  sSubscribe: Subscribe;
  sUnsubscribe: Unsubscribe;
}

/** One kind of subscription (channels, patterns, sharded channels): the client's two calls for it. */
interface Kind {
  subscribe(channels: string[], listener: Listener, bufferMode: boolean): Promise<void>;
  unsubscribe(channels: string[], listener: Listener | undefined, bufferMode: boolean): Promise<void>;
}

export interface SubscriptionGate {
  /** Whether messages are passed on to their listeners now. */
  open(): boolean;
  /** Called for each message from Redis as it reaches a listener (the adapter has one a channel), passed on or not. */
  received(): void;
  log: Log;
}

/**
 * The subscriptions of one subscriber connection, of every kind, made through `client`: a
 * stand-in for the connection that passes each message through one gate, and renews what
 * node-redis alone would lose over an outage.
 *
 * node-redis renews, on reconnecting and before "ready", the subscriptions it has confirmed.
 * It forgets one whose command was on the wire when the connection dropped (the command fails
 * and the subscription is never recorded), and an unsubscribe queued while the connection is
 * down reaches Redis before that renewal, which subscribes again. A room's subscription comes
 * and goes with its members, so both happen: `renew()` mends them once the connection is back.
 */
export class GatedSubscriptions<S extends Subscriber = Subscriber> {
  /** The subscriber as the adapter sees it. */
  readonly client: S;
  readonly #sub: S;
  readonly #gate: SubscriptionGate;
  readonly #kinds: KindState[];
  /** The stand-in for each caller's listener, so that unsubscribing one finds it. */
  readonly #wrappers = new WeakMap<Listener, Listener>();
  /** Subscribe and unsubscribe commands not answered yet. */
  readonly #pending = new Set<Promise<void>>();
  /** Subscribe and unsubscribe commands that failed so far. */
  #failures = 0;

  constructor(sub: S, gate: SubscriptionGate) {
    this.#sub = sub;
    this.#gate = gate;
    const channels = new KindState(this, {
      subscribe: (channels, listener, bufferMode) => sub.subscribe(channels, listener, bufferMode),
      unsubscribe: (channels, listener, bufferMode) => sub.unsubscribe(channels, listener, bufferMode),
    });
    const patterns = new KindState(this, {
      subscribe: (patterns, listener, bufferMode) => sub.pSubscribe(patterns, listener, bufferMode),
      unsubscribe: (patterns, listener, bufferMode) => sub.pUnsubscribe(patterns, listener, bufferMode),
    });
    const sharded = new KindState(this, {
      subscribe: (channels, listener, bufferMode) => sub.sSubscribe(channels, listener, bufferMode),
      unsubscribe: (channels, listener, bufferMode) => sub.sUnsubscribe(channels, listener, bufferMode),
    });
    this.#kinds = [channels, patterns, sharded];
    const calls = new Map<PropertyKey, unknown>();
    for (const [kind, names] of [
      [channels, ["subscribe", "SUBSCRIBE", "unsubscribe", "UNSUBSCRIBE"]],
      [patterns, ["pSubscribe", "PSUBSCRIBE", "pUnsubscribe", "PUNSUBSCRIBE"]],
      [sharded, ["sSubscribe", "SSUBSCRIBE", "sUnsubscribe", "SUNSUBSCRIBE"]],
    ] as const) {
      const subscribe = (channels: string | string[], listener: Listener, bufferMode = false) =>
        kind.subscribe([channels].flat(), this.#wrap(listener), bufferMode);
      const unsubscribe = (channels?: string | string[], listener?: Listener, bufferMode = false) =>
        kind.unsubscribe(
          channels === undefined ? undefined : [channels].flat(),
          listener === undefined ? undefined : (this.#wrappers.get(listener) ?? listener),
          bufferMode,
        );
      calls.set(names[0], subscribe).set(names[1], subscribe).set(names[2], unsubscribe).set(names[3], unsubscribe);
    }
    this.client = new Proxy(sub, {
      get(target, property) {
        if (calls.has(property)) return calls.get(property);
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /**
   * Resolves once every subscription asked for so far is in place (or has failed). While the
   * connection is down it resolves at once: waiting would hold up whoever asked until Redis
   * is back, and `sync:required` covers that time anyway.
   */
  settled(): Promise<void> {
    if (!this.#sub.isReady) return Promise.resolve();
    return Promise.all([...this.#pending]).then(() => undefined);
  }

  /**
   * After an outage, once the connection is ready: subscribes again to what node-redis lost
   * and drops what it kept by mistake. Resolves with whether every one of these succeeded.
   */
  async renew(): Promise<boolean> {
    const failuresBefore = this.#failures;
    await Promise.all(this.#kinds.map((kind) => kind.renew()));
    return this.#failures === failuresBefore;
  }

  get connected(): boolean {
    return this.#sub.isReady;
  }

  /**
   * `work`, which never rejects: the adapter does not wait for its subscriptions, so a
   * failure would end the process as an unhandled rejection. One that failed with the
   * connection is renewed once the connection is back.
   */
  track(work: Promise<void>, what: string): Promise<void> {
    const done = work.then(
      () => undefined,
      (error: unknown) => {
        this.#failures += 1;
        if (this.#sub.isReady) this.#gate.log.error(`redis subscriber could not ${what}`, error);
      },
    );
    this.#pending.add(done);
    void done.then(() => this.#pending.delete(done));
    return done;
  }

  #wrap(listener: Listener): Listener {
    let wrapped = this.#wrappers.get(listener);
    if (wrapped === undefined) {
      wrapped = (message, channel) => {
        this.#gate.received();
        if (this.#gate.open()) listener(message, channel);
      };
      this.#wrappers.set(listener, wrapped);
    }
    return wrapped;
  }
}

/** What the callers of one kind want subscribed, which is what `renew()` restores. */
class KindState {
  readonly #owner: GatedSubscriptions;
  readonly #kind: Kind;
  /** Channel (or pattern), to each of its listeners and its buffer mode. */
  readonly #wanted = new Map<string, Map<Listener, boolean>>();
  /**
   * Listeners let go while the connection was down, or whose unsubscribe failed, by channel:
   * Redis may still hold their channels.
   */
  readonly #doubtful = new Map<string, Map<Listener, boolean>>();

  constructor(owner: GatedSubscriptions, kind: Kind) {
    this.#owner = owner;
    this.#kind = kind;
  }

  subscribe(channels: string[], listener: Listener, bufferMode: boolean): Promise<void> {
    for (const channel of channels) {
      this.#doubtful.delete(channel);
      const listeners = this.#wanted.get(channel) ?? new Map<Listener, boolean>();
      listeners.set(listener, bufferMode);
      this.#wanted.set(channel, listeners);
    }
    return this.#owner.track(this.#kind.subscribe(channels, listener, bufferMode), `subscribe to ${channels.join(" ")}`);
  }

  /**
   * Lets go of each listener on its own, even when the caller lets go of a whole channel.
   * Told to drop a whole channel, node-redis keeps it as subscribed until Redis answers, then
   * deletes it with every listener: a subscription asked for meanwhile (a room left by its
   * last member here, then joined again) would be taken as already there, and lost. Dropping
   * the last listener instead marks the channel as leaving, and a subscription asked for
   * meanwhile is sent to Redis after the unsubscribe.
   */
  unsubscribe(channels: string[] | undefined, listener: Listener | undefined, bufferMode: boolean): Promise<void> {
    const work: Promise<void>[] = [];
    const unknown: string[] = [];
    for (const channel of channels ?? [...this.#wanted.keys()]) {
      const listeners = this.#wanted.get(channel) ?? new Map<Listener, boolean>();
      const leaving = [...listeners].filter(([held]) => listener === undefined || held === listener);
      if (leaving.length === 0) {
        unknown.push(channel);
        continue;
      }
      for (const [held] of leaving) listeners.delete(held);
      if (listeners.size === 0) this.#wanted.delete(channel);
      for (const [held, heldBufferMode] of leaving) work.push(this.#release(channel, held, heldBufferMode));
    }
    if (unknown.length > 0) {
      work.push(this.#owner.track(this.#kind.unsubscribe(unknown, listener, bufferMode), `unsubscribe from ${unknown.join(" ")}`));
    }
    return Promise.all(work).then(() => undefined);
  }

  async renew(): Promise<void> {
    const work: Promise<void>[] = [];
    // node-redis sends a command only for the channels it does not hold already.
    for (const [channel, listeners] of this.#wanted) {
      for (const [listener, bufferMode] of listeners) {
        work.push(this.#owner.track(this.#kind.subscribe([channel], listener, bufferMode), `subscribe again to ${channel}`));
      }
    }
    const doubtful = [...this.#doubtful].filter(([channel]) => !this.#wanted.has(channel));
    this.#doubtful.clear();
    for (const [channel, listeners] of doubtful) {
      for (const [listener, bufferMode] of listeners) work.push(this.#release(channel, listener, bufferMode));
    }
    await Promise.all(work);
  }

  #release(channel: string, listener: Listener, bufferMode: boolean): Promise<void> {
    if (!this.#owner.connected) this.#doubt(channel, listener, bufferMode);
    const released = this.#kind.unsubscribe([channel], listener, bufferMode).catch((error: unknown) => {
      this.#doubt(channel, listener, bufferMode);
      throw error;
    });
    return this.#owner.track(released, `unsubscribe from ${channel}`);
  }

  /** Remembers a listener let go, unless its channel is wanted again meanwhile, to be let go once more by `renew()`. */
  #doubt(channel: string, listener: Listener, bufferMode: boolean): void {
    if (this.#wanted.has(channel)) return;
    const listeners = this.#doubtful.get(channel) ?? new Map<Listener, boolean>();
    listeners.set(listener, bufferMode);
    this.#doubtful.set(channel, listeners);
  }
}
