import type { ConnectionState, Problem } from "@chat/client-core";

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayAndClock = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A message's time: the hour on the day it was sent, the date before that. */
export function timeOf(sentAt: number, now = Date.now()): string {
  const sameDay = new Date(sentAt).toDateString() === new Date(now).toDateString();
  return sameDay ? clock.format(sentAt) : dayAndClock.format(sentAt);
}

export function connectionWords(state: ConnectionState, me: string | undefined): string {
  switch (state.status) {
    case "connecting":
      return "Connecting…";
    case "connected":
      return me === undefined ? "Connected" : `Connected as ${me}`;
    case "reconnecting":
      return "Reconnecting…";
    case "refused":
      return `Refused: ${state.reason}`;
    case "closed":
      return "Signed out";
  }
}

const seconds = (ms: number) => `${(Math.ceil(ms / 100) / 10).toFixed(1)} s`;

/** A problem in words, with what the client does about it. */
export function problemWords(problem: Problem): string {
  switch (problem.code) {
    case "rate_limited":
      return problem.retryAfterMs === undefined
        ? `Too many messages (${problem.what}): sending as soon as the server allows.`
        : `Too many messages (${problem.what}): waiting ${seconds(problem.retryAfterMs)}, then sending.`;
    case "timeout":
      return `No answer from the server (${problem.what}).`;
    case "unavailable":
      return `The server cannot do this right now (${problem.what}): ${problem.message}.`;
    default:
      return `Could not finish ${problem.what}: ${problem.message}.`;
  }
}
