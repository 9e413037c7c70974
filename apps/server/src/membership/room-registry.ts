import type { RoomName, UserName } from "@chat/protocol";

/**
 * What a user may do with a room: any user may join a public room; a private room only
 * admits its members.
 */
export type RoomAccess = "public" | "member" | "stranger";

/** What came of an invitation: the user is now a member, or the room is public, or the inviter is no member. */
export type InviteOutcome = "invited" | "public" | "stranger";

/**
 * Who belongs to which private room, across every process and every session: a membership
 * is made by creating the room or by a member's invitation, and ends only when the user
 * leaves the room (`room:leave`), never with a connection. A room is private from its
 * creation for as long as its keys live (see ROOM_IDLE_TTL_SECONDS): a private room whose
 * last member left stays closed, its name taken, until then.
 */
export interface RoomRegistry {
  /** Makes `room` private with `owner` as its first member; false if it was private already. */
  createPrivate(room: RoomName, owner: UserName): Promise<boolean>;
  access(room: RoomName, user: UserName): Promise<RoomAccess>;
  invite(room: RoomName, by: UserName, user: UserName): Promise<InviteOutcome>;
  /** Ends the user's membership of a private room; false if there was none (or the room is public). */
  leave(room: RoomName, user: UserName): Promise<boolean>;
  /** The private rooms the user is a member of, sorted. */
  roomsOf(user: UserName): Promise<RoomName[]>;
}
