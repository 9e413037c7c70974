/** What a sender writes into each message of the faults scenario: its number in the stream. */
export interface StreamStamp {
  n: number;
}

/** A receiver got message `n` (once per time it arrived: a message delivered twice calls twice). */
export type OnDelivery = (receiver: number, n: number) => void;

/** One sender and its receivers, connected to one target and in one room. */
export interface FaultParty {
  /**
   * Sends message `n` as the target's own client does, retries included; resolves true once it
   * counts as sent, false once the client reports it failed.
   */
  send(n: number): Promise<boolean>;
  /** Who lost their connection at some point: how many receivers, and whether the sender did. */
  dropped(): { receivers: number; sender: boolean };
  close(): Promise<void>;
}

/** Records which members lost their connection (index `receivers` is the sender). */
export class Drops {
  readonly #dropped = new Set<number>();
  readonly #receivers: number;

  constructor(receivers: number) {
    this.#receivers = receivers;
  }

  drop(member: number): void {
    this.#dropped.add(member);
  }

  get senderIndex(): number {
    return this.#receivers;
  }

  summary(): { receivers: number; sender: boolean } {
    return { receivers: [...this.#dropped].filter((member) => member < this.#receivers).length, sender: this.#dropped.has(this.#receivers) };
  }
}

export const stampText = (n: number): string => JSON.stringify({ n } satisfies StreamStamp);

export function stampNumber(payload: unknown): number | undefined {
  const value: unknown = typeof payload === "string" ? safeParse(payload) : payload;
  if (typeof value !== "object" || value === null) return undefined;
  const n = (value as Partial<StreamStamp>).n;
  return typeof n === "number" ? n : undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
