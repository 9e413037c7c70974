import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nginxRender } from "@chat/test-kit";

const render = (env: Record<string, string | undefined>) =>
  spawnSync(process.execPath, [nginxRender], { env: { ...process.env, ...env }, encoding: "utf8" });

const unset = { CHAT_LISTEN: undefined, CHAT_INSTANCE_1: undefined, CHAT_INSTANCE_2: undefined, CHAT_INSTANCE_3: undefined, CHAT_NGINX_DIR: undefined };

describe("deploy/nginx/render.mjs", () => {
  it("stops with a message naming each variable unset or empty, and prints no configuration", () => {
    const result = render({ ...unset, CHAT_LISTEN: "127.0.0.1:8080", CHAT_INSTANCE_2: "" });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim()).toBe(
      "set CHAT_NGINX_DIR, CHAT_INSTANCE_1, CHAT_INSTANCE_2, CHAT_INSTANCE_3 to render the nginx configuration",
    );
  });

  it("fills in the addresses, leaves nginx's own variables alone, and nginx accepts the result", () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-nginx-render-"));
    try {
      const result = render({
        CHAT_LISTEN: "127.0.0.1:18080",
        CHAT_INSTANCE_1: "127.0.0.1:13001",
        CHAT_INSTANCE_2: "127.0.0.1:13002",
        CHAT_INSTANCE_3: "127.0.0.1:13003",
        CHAT_NGINX_DIR: dir,
      });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain("listen 127.0.0.1:18080;");
      expect(result.stdout).toContain("server 127.0.0.1:13003 max_fails=1 fail_timeout=10s;");
      expect(result.stdout).toContain("hash $remote_addr consistent;");
      expect(result.stdout).toContain("proxy_set_header Upgrade $http_upgrade;");
      expect(result.stdout).not.toMatch(/\$\{/);
      const config = join(dir, "nginx.conf");
      writeFileSync(config, result.stdout);
      const check = spawnSync("nginx", ["-t", "-p", dir, "-c", config], { encoding: "utf8" });
      expect(check.status, check.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
