import { RoomName, UserName } from "@chat/protocol";

/** What a line of input asks for. */
export type Command =
  | { kind: "say"; text: string }
  | { kind: "join"; room: RoomName }
  | { kind: "create"; room: RoomName; private: boolean }
  | { kind: "invite"; user: UserName; room: RoomName | undefined }
  | { kind: "leave"; room: RoomName }
  | { kind: "rooms" }
  | { kind: "switch"; room: RoomName }
  | { kind: "dm"; to: UserName; text: string }
  | { kind: "who"; room: RoomName | undefined }
  | { kind: "history"; count: number | undefined }
  | { kind: "help" }
  | { kind: "invalid"; reason: string };

export const commandHelp = `Commands:
  <text>              send to the current room
  /join <room>        join a room and make it current
  /create <room> [--private]
                      create a room no one uses yet and make it current;
                      a private room admits only the users its members invite
  /invite <user> [room]
                      let a user into a private room (default: the current one)
  /leave <room>       leave a room; leaving a private room ends your membership
  /rooms              list the rooms you are in
  /room <room>        make a room you are in current
  /dm <user> <text>   send to every session of one user
  /who [room]         who is online in a room (default: the current one)
  /history [n]        show n older messages of the current room (default 20)
  /help               this list`;

const room = (value: string | undefined, usage: string): Command => {
  if (value === undefined) return { kind: "invalid", reason: `usage: ${usage}` };
  const parsed = RoomName.safeParse(value);
  return parsed.success ? { kind: "join", room: parsed.data } : { kind: "invalid", reason: parsed.error.issues[0]?.message ?? "bad room" };
};

/** Reads one line. A line that starts with "/" is a command; any other is text to send. */
export function parseCommand(line: string): Command {
  if (!line.startsWith("/")) return { kind: "say", text: line };
  const [name = "", ...rest] = line.slice(1).split(" ").filter((word) => word !== "");
  const [first] = rest;
  switch (name) {
    case "join":
    case "leave":
    case "room": {
      const parsed = room(first, `/${name} <room>`);
      if (parsed.kind !== "join") return parsed;
      if (rest.length > 1) return { kind: "invalid", reason: `usage: /${name} <room>` };
      return name === "join" ? parsed : { kind: name === "leave" ? "leave" : "switch", room: parsed.room };
    }
    case "create": {
      const flags = rest.slice(1);
      const usage = "usage: /create <room> [--private]";
      if (flags.some((flag) => flag !== "--private") || flags.length > 1) return { kind: "invalid", reason: usage };
      const parsed = room(first, "/create <room> [--private]");
      return parsed.kind === "join" ? { kind: "create", room: parsed.room, private: flags.length === 1 } : parsed;
    }
    case "invite": {
      const usage = "usage: /invite <user> [room]";
      const user = UserName.safeParse(first);
      if (!user.success || rest.length > 2) return { kind: "invalid", reason: usage };
      if (rest[1] === undefined) return { kind: "invite", user: user.data, room: undefined };
      const parsed = room(rest[1], "/invite <user> [room]");
      return parsed.kind === "join" ? { kind: "invite", user: user.data, room: parsed.room } : parsed;
    }
    case "rooms":
      return { kind: "rooms" };
    case "who": {
      if (first === undefined) return { kind: "who", room: undefined };
      const parsed = room(first, "/who [room]");
      return parsed.kind === "join" ? { kind: "who", room: parsed.room } : parsed;
    }
    case "history": {
      if (first === undefined) return { kind: "history", count: undefined };
      const count = Number(first);
      return Number.isInteger(count) && count > 0 && count <= 100
        ? { kind: "history", count }
        : { kind: "invalid", reason: "usage: /history [n], n from 1 to 100" };
    }
    case "dm": {
      // The text keeps its own spacing: everything after the user's name.
      const match = /^\/dm +(\S+) +(.*\S.*)$/.exec(line);
      const to = UserName.safeParse(match?.[1]);
      if (match?.[2] === undefined || !to.success) return { kind: "invalid", reason: "usage: /dm <user> <text>" };
      return { kind: "dm", to: to.data, text: match[2] };
    }
    case "help":
      return { kind: "help" };
    default:
      return { kind: "invalid", reason: `unknown command /${name}; /help lists them` };
  }
}
