import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "@chat/test-kit";

/**
 * CORS on a real HTTP long-polling handshake, the request a browser page on another origin
 * makes first: `GET /socket.io/?EIO=4&transport=polling` with an `Origin` header, and the
 * preflight `OPTIONS` a browser sends before a request with credentials or custom headers.
 */

const handshakePath = "/socket.io/?EIO=4&transport=polling";

/** The engine.io handshake over polling from `origin`; its body must be the open packet. */
async function pollingHandshake(server: RunningServer, origin: string): Promise<Headers> {
  const response = await fetch(`${server.url}${handshakePath}`, { headers: { Origin: origin } });
  expect(response.status).toBe(200);
  // "0" is engine.io's open packet: the handshake itself was served, whatever the CORS answer.
  expect(await response.text()).toMatch(/^0\{"sid":"[^"]+"/);
  return response.headers;
}

async function preflight(server: RunningServer, origin: string): Promise<Response> {
  const response = await fetch(`${server.url}${handshakePath}`, {
    method: "OPTIONS",
    headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
  });
  await response.arrayBuffer();
  return response;
}

const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
}, 60_000);

describe("CORS_ORIGINS set to a list", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ workers: 2, env: { CORS_ORIGINS: "https://chat.example, http://localhost:5173" } });
    servers.push(server);
  }, 60_000);

  it.each(["https://chat.example", "http://localhost:5173"])("an allowed origin (%s) is echoed, with credentials allowed", async (origin) => {
    const headers = await pollingHandshake(server, origin);
    expect(headers.get("access-control-allow-origin")).toBe(origin);
    expect(headers.get("access-control-allow-credentials")).toBe("true");
  });

  it.each(["https://evil.example", "https://chat.example.evil.example", "http://chat.example", "null"])(
    "a disallowed origin (%s) gets no Access-Control-Allow-Origin",
    async (origin) => {
      const headers = await pollingHandshake(server, origin);
      expect(headers.get("access-control-allow-origin")).toBe(null);
    },
  );

  it("the preflight answers an allowed origin and not a disallowed one", async () => {
    const allowed = await preflight(server, "https://chat.example");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://chat.example");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    expect(allowed.headers.get("access-control-allow-methods")).toMatch(/POST/);

    const refused = await preflight(server, "https://evil.example");
    expect(refused.headers.get("access-control-allow-origin")).toBe(null);
  });
});

describe("CORS_ORIGINS=*", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ workers: 1, env: { CORS_ORIGINS: "*" } });
    servers.push(server);
  }, 60_000);

  it.each(["https://anywhere.example", "http://127.0.0.1:8080"])("any origin (%s) is echoed (never a literal *, which credentials forbid)", async (origin) => {
    const headers = await pollingHandshake(server, origin);
    expect(headers.get("access-control-allow-origin")).toBe(origin);
    expect(headers.get("access-control-allow-credentials")).toBe("true");
  });
});

describe("CORS_ORIGINS unset", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ workers: 1, env: { CORS_ORIGINS: undefined } });
    servers.push(server);
  }, 60_000);

  it("no CORS headers for any origin, on the handshake or the preflight", async () => {
    const headers = await pollingHandshake(server, "https://chat.example");
    expect([...headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual([]);
    const answer = await preflight(server, "https://chat.example");
    expect([...answer.headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });
});
