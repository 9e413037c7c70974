import { describe, expect, it } from "vitest";
import { defaultRoom, limits, RoomName } from "../src/index.ts";

describe("limits", () => {
  it("has the documented values", () => {
    expect(limits).toStrictEqual({
      nameMaxLength: 32,
      textMaxLength: 2000,
      pageMaxLength: 100,
      pageMaxBytes: 65536,
      pageDefaultLength: 20,
      joinRecentLength: 10,
      resumeMaxLength: 500,
      roomsPerConnectionMax: 50,
      typingIntervalMs: 2000,
      clientIdMaxLength: 64,
      batchMaxLength: 100,
      presenceNoticeMaxUsers: 100,
    });
    expect(defaultRoom).toBe("lobby");
  });

  it("keeps default and recent page sizes within a page, and a page within a resume", () => {
    expect(limits.pageDefaultLength).toBeLessThanOrEqual(limits.pageMaxLength);
    expect(limits.joinRecentLength).toBeLessThanOrEqual(limits.pageMaxLength);
    expect(limits.pageMaxLength).toBeLessThanOrEqual(limits.resumeMaxLength);
  });

  it("makes the default room a valid room name", () => {
    expect(RoomName.safeParse(defaultRoom)).toStrictEqual({ success: true, data: "lobby" });
  });
});
