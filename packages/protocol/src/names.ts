import * as z from "zod";
import { limits, namePattern } from "./limits.ts";

const nameSchema = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} must not be empty`, abort: true })
    .max(limits.nameMaxLength, { error: `${what} must be at most ${limits.nameMaxLength} characters` })
    .regex(namePattern, {
      error: `${what} may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit`,
    });

export const UserName = nameSchema("user name");
export type UserName = z.infer<typeof UserName>;

export const RoomName = nameSchema("room name");
export type RoomName = z.infer<typeof RoomName>;
