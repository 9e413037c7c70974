import { describe, expect, it } from "vitest";
import { EngineSession } from "../src/engine/session.ts";

/** A session whose transport is a list: what it sent, and what it reported. */
function session(auth = '{"name":"ann"}') {
  const sent: string[] = [];
  const reported: string[] = [];
  let closed = 0;
  const engine = new EngineSession({
    send: (frame) => sent.push(frame),
    close: () => (closed += 1),
    auth,
    onOpen: (frame) => reported.push(`open ${frame}`),
    onEvent: (frame) => reported.push(`event ${frame}`),
    onConnected: (frame) => reported.push(`connected ${frame}`),
    onFailed: (reason) => reported.push(`failed ${reason}`),
  });
  return { engine, sent, reported, closed: () => closed };
}

describe("the raw clients' Engine.IO session", () => {
  it("answers the open packet with the namespace connect and its auth, and reports the connection once", () => {
    const { engine, sent, reported } = session();
    engine.receive('0{"sid":"s1","pingInterval":25000}');
    expect(sent).toEqual(['40{"name":"ann"}']);
    engine.receive('40{"sid":"x"}');
    engine.receive('40{"sid":"y"}');
    engine.fail("closed (1006) before connecting");
    expect(reported).toEqual(['open 0{"sid":"s1","pingInterval":25000}', 'connected 40{"sid":"x"}']);
  });

  it("answers pings while asked to, and hands events on whole", () => {
    const { engine, sent, reported } = session();
    engine.receive("2");
    engine.answerPings = false;
    engine.receive("2");
    engine.receive('42["message:new",{"text":"hi"}]');
    expect(sent).toEqual(["3"]);
    expect(reported).toEqual(['event 42["message:new",{"text":"hi"}]']);
  });

  it("routes each ack to its own emit by id, once, and ignores acks it never asked for", () => {
    const { engine, sent } = session();
    const acks: string[] = [];
    engine.emitWithAck('["room:join",{"room":"a"}]', (payload) => acks.push(`first ${payload}`));
    engine.emitWithAck('["room:join",{"room":"b"}]', (payload) => acks.push(`second ${payload}`));
    expect(sent).toEqual(['420["room:join",{"room":"a"}]', '421["room:join",{"room":"b"}]']);
    expect(engine.pendingAcks).toBe(2);
    engine.receive('431[{"ok":true}]');
    engine.receive('431[{"ok":true}]');
    engine.receive('4399[{"ok":true}]');
    engine.receive('430[{"ok":false}]');
    expect(acks).toEqual(['second [{"ok":true}]', 'first [{"ok":false}]']);
    expect(engine.pendingAcks).toBe(0);
  });

  it("reports a refused connection with the server's reason and closes the transport", () => {
    const { engine, reported, closed } = session();
    engine.receive('44{"message":"name required"}');
    expect(reported).toEqual(['failed refused: {"message":"name required"}']);
    expect(closed()).toBe(1);
  });
});
