import { postedFieldsOf, type FieldSource } from "./message-fields.ts";

const luaName = (field: string): string => {
  // Fields become table keys in the generated Lua: only names Lua takes bare.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`a message field Lua cannot name: ${field}`);
  return field;
};

/** The Lua value of `field` (from `source`) in a message built by `<kind>_message`. */
const luaValueOf = (field: string, source: FieldSource): string => {
  if (source === "id") return "id";
  if (source === "idTime") return "sent_at(id)";
  if (source === "log") return "log";
  if (source === "time") return "tonumber(time)";
  return `post.${luaName(field)}`;
};

/**
 * The Lua functions a posting script writes messages of one kind with, generated from its
 * field list (see `message-fields.ts`) once, when the script is built:
 *
 * - `<kind>_post(at)`: the fields a post gives, read from ARGV[at], ARGV[at + 1], ... in the
 *   list's order ('' for an optional one not given), as a table by name;
 * - `<kind>_entry(post, time)`: the stream entry's field/value list, for XADD;
 * - `<kind>_message(id, post, log, time)`: the message as delivered, for cjson (string keys
 *   only, so it encodes as an object).
 *
 * `time` is the store's time in ms as digits, `log` the name of the log; either is `nil`
 * where the kind has no such field. The script must define `sent_at(id)` before.
 */
export function luaMessageFunctions(kind: string, fields: Readonly<Record<string, FieldSource>>): string {
  const entries = Object.entries(fields);
  const posted = postedFieldsOf(fields).map((field, i) => `${luaName(field)} = ARGV[at + ${i}]`);
  const given = (field: string) => `post.${luaName(field)} ~= ''`;
  const entryLines = entries.flatMap(([field, source]) => {
    const value = source === "time" ? "time" : `post.${luaName(field)}`;
    const put = `entry[#entry + 1] = '${luaName(field)}'; entry[#entry + 1] = ${value}`;
    if (source === "text" || source === "time") return [`  ${put}`];
    if (source === "optionalText") return [`  if ${given(field)} then ${put} end`];
    return [];
  });
  const always = entries.filter(([, source]) => source !== "optionalText");
  const optional = entries.filter(([, source]) => source === "optionalText");
  return `
local function ${kind}_post(at)
  return { ${posted.join(", ")} }
end
local function ${kind}_entry(post, time)
  local entry = {}
${entryLines.join("\n")}
  return entry
end
local function ${kind}_message(id, post, log, time)
  local message = { ${always.map(([field, source]) => `${luaName(field)} = ${luaValueOf(field, source)}`).join(", ")} }
${optional.map(([field]) => `  if ${given(field)} then message.${field} = post.${field} end`).join("\n")}
  return message
end
`;
}

/** How many ARGV entries a post of this kind takes. */
export const postedFieldCount = (fields: Readonly<Record<string, FieldSource>>): number => postedFieldsOf(fields).length;
