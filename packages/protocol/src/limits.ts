/**
 * Every size and shape limit of the wire contract. Servers and clients read them from
 * here so that a change is made once and seen by both sides.
 */
export const limits = {
  /** Longest user or room name, in characters. */
  nameMaxLength: 32,
  /** Longest chat line, in characters: long enough for a paragraph, short enough to fan out cheaply. */
  textMaxLength: 2000,
  /** Most messages one history or inbox page returns; a client pages for more. */
  pageMaxLength: 100,
  /**
   * Most text one page of messages carries (history, inbox, a join's catch-up), in bytes of
   * UTF-8: a page stops before the message that would go past it (it always holds one), and
   * says there is more. Long lines make shorter pages, never larger answers.
   */
  pageMaxBytes: 64 * 1024,
  /** Messages a page returns when the client does not say. */
  pageDefaultLength: 20,
  /** Recent messages shown to a user who joins a room afresh. */
  joinRecentLength: 10,
  /** Most missed messages one resuming join returns; the rest follow with `more`. */
  resumeMaxLength: 500,
  /** Most rooms one connection may be in, the lobby included. */
  roomsPerConnectionMax: 50,
  /** Shortest interval between two typing notices of one connection in one room, in milliseconds. */
  typingIntervalMs: 2000,
  /** Longest client-chosen message id, in characters. */
  clientIdMaxLength: 64,
  /** Most messages one `message:batch` carries: one frame stays well under a client's packet limit. */
  batchMaxLength: 100,
  /**
   * Most users a room may hold and still announce arrivals and departures (`presence:joined`,
   * `presence:left`): a change is announced only if the room holds at most this many users
   * both before and after it. Every notice goes to every member, n²/2 of them as a room fills
   * up to n users, so a larger room stays quiet and its clients ask `presence:who` instead.
   */
  presenceNoticeMaxUsers: 100,
} as const;

/**
 * User and room names: a letter or digit first, then letters, digits, `_`, `-` or `.`.
 * The same rule for both keeps names safe to print, to log and to embed in Redis keys.
 */
export const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The room every connection joins on arrival, so a plain conversation needs no command. */
export const defaultRoom = "lobby";
